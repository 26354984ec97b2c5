package io.github.grpcretry.springgrpc;

import java.util.Map;

import org.springframework.boot.grpc.client.autoconfigure.GrpcClientDefaultServiceConfigCustomizer;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientProperties;

/**
 * Last of Spring Boot 4.1's default service config customizers: notes the config each channel is built with, for its
 * attempt metrics to judge its calls by ({@link ChannelServiceConfigs}).
 */
final class RecordedServiceConfigCustomizer extends ChannelServiceConfigs
		implements GrpcClientDefaultServiceConfigCustomizer {

	private static final String DEFAULT_CHANNEL = "default";

	private final GrpcClientProperties properties;

	RecordedServiceConfigCustomizer(GrpcClientProperties properties) {
		this.properties = properties;
	}

	@Override
	public void customize(String target, Map<String, Object> defaultServiceConfig) {
		built(target, defaultServiceConfig);
	}

	// A target without a channel of its own takes the default channel's, as Spring Boot looks it up.
	@Override
	String methodConfigProperty(String target) {
		String channel = this.properties.getChannel().containsKey(target) ? target : DEFAULT_CHANNEL;
		return "spring.grpc.client.channel." + channel + ".service-config.method";
	}

}
