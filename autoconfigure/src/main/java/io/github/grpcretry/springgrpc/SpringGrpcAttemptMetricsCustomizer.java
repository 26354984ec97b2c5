package io.github.grpcretry.springgrpc;

import io.github.grpcretry.metrics.AttemptMetricsInterceptor;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.grpc.client.GrpcChannelBuilderCustomizer;

/**
 * Counts the attempts of every channel that Spring gRPC's channel factories build (Spring gRPC 0.9 and 1.0, and
 * Spring Boot 4.1's own gRPC client), with {@code client} = the target the channel was asked for: the channel name the
 * user configured, such as {@code echo} for {@code spring.grpc.client.channel.echo.*}.
 *
 * @param <T> the type of channel builder
 */
final class SpringGrpcAttemptMetricsCustomizer<T extends ManagedChannelBuilder<T>>
		implements GrpcChannelBuilderCustomizer<T> {

	private final ObjectProvider<MeterRegistry> meterRegistry;

	SpringGrpcAttemptMetricsCustomizer(ObjectProvider<MeterRegistry> meterRegistry) {
		this.meterRegistry = meterRegistry;
	}

	@Override
	public void customize(String target, T builder) {
		MeterRegistry registry = this.meterRegistry.getIfUnique();
		if (registry != null) {
			// Not awaited at shutdown, unlike the starter's own channels: Spring gRPC closes its channels later,
			// as its factory is destroyed, and a wait here would hold shutdown for streams still open on them.
			builder.intercept(new AttemptMetricsInterceptor(registry, target));
		}
	}

}
