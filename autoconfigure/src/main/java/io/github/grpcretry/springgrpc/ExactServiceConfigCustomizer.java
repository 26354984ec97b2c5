package io.github.grpcretry.springgrpc;

import java.util.Map;

import io.github.grpcretry.internal.serviceconfig.ServiceConfigMapper;

import org.springframework.boot.grpc.client.autoconfigure.GrpcClientDefaultServiceConfigCustomizer;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientProperties;
import org.springframework.boot.grpc.client.autoconfigure.ServiceConfig;

/**
 * Replaces the method configs and retry throttling that Spring Boot 4.1 renders from a channel's typed service config
 * with the starter's exact rendering of the same config: Spring Boot 4.1.0 writes 50ms as {@code "0.50000000s"}
 * (500ms), and drops an entry without name, which gRPC would take as the channel's default. Load balancing and health
 * checking stay as Spring Boot renders them. A per-attempt receive timeout never gets here: it is refused at start-up
 * ({@code SpringBootServiceConfigVerifier}).
 */
final class ExactServiceConfigCustomizer implements GrpcClientDefaultServiceConfigCustomizer {

	private final GrpcClientProperties properties;

	ExactServiceConfigCustomizer(GrpcClientProperties properties) {
		this.properties = properties;
	}

	@Override
	public void customize(String target, Map<String, Object> defaultServiceConfig) {
		ServiceConfig serviceConfig = SpringBootServiceConfigs.forTarget(this.properties, target);
		if (serviceConfig == null) {
			return;
		}
		Map<String, Object> exact = ServiceConfigMapper.toServiceConfig(
				SpringBootServiceConfigs.methodConfigs(serviceConfig),
				SpringBootServiceConfigs.retryThrottling(serviceConfig));
		defaultServiceConfig.remove("methodConfig");
		defaultServiceConfig.remove("retryThrottling");
		defaultServiceConfig.putAll(exact);
	}

}
