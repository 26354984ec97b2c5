package io.github.grpcretry.springgrpc;

import io.github.grpcretry.internal.serviceconfig.AttemptCaps;
import io.github.grpcretry.internal.serviceconfig.ServiceConfigMapper;
import io.grpc.ManagedChannelBuilder;

import org.springframework.boot.grpc.client.autoconfigure.GrpcClientProperties;
import org.springframework.boot.grpc.client.autoconfigure.ServiceConfig;
import org.springframework.grpc.client.GrpcChannelBuilderCustomizer;

/**
 * Raises the attempt caps of a channel that Spring Boot 4.1 builds to the largest {@code max-attempts} of its typed
 * service config, as the starter does for its own channels: grpc-java caps every policy at 5 attempts without a word.
 *
 * @param <T> the type of channel builder
 */
final class AttemptCapsChannelBuilderCustomizer<T extends ManagedChannelBuilder<T>>
		implements GrpcChannelBuilderCustomizer<T> {

	private final GrpcClientProperties properties;

	AttemptCapsChannelBuilderCustomizer(GrpcClientProperties properties) {
		this.properties = properties;
	}

	@Override
	public void customize(String target, T builder) {
		ServiceConfig serviceConfig = SpringBootServiceConfigs.forTarget(this.properties, target);
		if (serviceConfig != null) {
			AttemptCaps.raise(builder,
					ServiceConfigMapper.largestMaxAttempts(SpringBootServiceConfigs.methodConfigs(serviceConfig)));
		}
	}

}
