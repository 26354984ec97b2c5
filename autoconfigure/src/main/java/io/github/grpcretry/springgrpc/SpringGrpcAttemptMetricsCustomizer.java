package io.github.grpcretry.springgrpc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.grpcretry.internal.metrics.AttemptMetricsInterceptor;
import io.github.grpcretry.internal.serviceconfig.RetryBuffers;
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

	// The configs Spring Boot 4.1 hands its channels; none on Spring gRPC 0.9 and 1.0.
	private final ObjectProvider<ChannelServiceConfigs> serviceConfigs;

	private final Map<String, AttemptMetricsInterceptor> interceptors = new ConcurrentHashMap<>();

	SpringGrpcAttemptMetricsCustomizer(ObjectProvider<MeterRegistry> meterRegistry, SpringGrpcClientTags tags,
			ObjectProvider<ChannelServiceConfigs> serviceConfigs) {
		this.meterRegistry = meterRegistry;
		this.tags = tags;
		this.serviceConfigs = serviceConfigs;
	}

	@Override
	public void customize(String target, T builder) {
		MeterRegistry registry = this.meterRegistry.getIfUnique();
		if (registry != null) {
			builder.intercept(this.interceptors.computeIfAbsent(this.tags.tag(target),
					(client) -> interceptor(registry, client, target)));
		}
	}

	// The channels of one tag share its first target's config: a tag is one channel name, or one address.
	private AttemptMetricsInterceptor interceptor(MeterRegistry registry, String client, String target) {
		ChannelServiceConfigs serviceConfigs = this.serviceConfigs.getIfUnique();
		if (serviceConfigs == null) {
			return new AttemptMetricsInterceptor(registry, client);
		}
		return new AttemptMetricsInterceptor(registry, client, serviceConfigs.policies(target),
				serviceConfigs.methodConfigProperty(target), RetryBuffers::grpcCallLimit);
	}

}
