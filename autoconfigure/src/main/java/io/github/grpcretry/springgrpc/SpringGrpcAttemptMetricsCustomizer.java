package io.github.grpcretry.springgrpc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.grpcretry.internal.metrics.AttemptMetricsInterceptor;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.grpc.client.GrpcChannelBuilderCustomizer;

/**
 * Counts the attempts of every channel that Spring gRPC's channel factories build (Spring gRPC 0.9 and 1.0, and
 * Spring Boot 4.1's own gRPC client), with {@code client} = the channel name the user configured, such as
 * {@code echo} for {@code spring.grpc.client.channel.echo.*}, or for a channel made for an address, that address
 * without credentials, bounded ({@link SpringGrpcClientTags}). The channels of one tag share one interceptor, so that
 * asking Spring gRPC for channels again and again keeps no more interceptors than tags.
 *
 * @param <T> the type of channel builder
 */
final class SpringGrpcAttemptMetricsCustomizer<T extends ManagedChannelBuilder<T>>
		implements GrpcChannelBuilderCustomizer<T> {

	private final ObjectProvider<MeterRegistry> meterRegistry;

	private final SpringGrpcClientTags tags;

	private final Map<String, AttemptMetricsInterceptor> interceptors = new ConcurrentHashMap<>();

	SpringGrpcAttemptMetricsCustomizer(ObjectProvider<MeterRegistry> meterRegistry, SpringGrpcClientTags tags) {
		this.meterRegistry = meterRegistry;
		this.tags = tags;
	}

	@Override
	public void customize(String target, T builder) {
		MeterRegistry registry = this.meterRegistry.getIfUnique();
		if (registry != null) {
			builder.intercept(this.interceptors.computeIfAbsent(this.tags.tag(target),
					(client) -> new AttemptMetricsInterceptor(registry, client)));
		}
	}

}
