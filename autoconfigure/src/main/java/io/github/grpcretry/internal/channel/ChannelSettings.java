package io.github.grpcretry.internal.channel;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * What a client's channel is built with, as handed to grpc-java: what operations tools report about the client.
 *
 * @param target the client's address as configured, its credentials masked ({@link TargetCredentials})
 * @param negotiationType {@code tls} or {@code plaintext}
 * @param sslBundle the name of the client's SSL bundle, never its material; {@code null} without one
 * @param loadBalancingPolicy the policy handed to grpc-java; {@code null} for an in-process address, which takes none
 * @param serviceConfig the configured service config, as grpc-java takes it (empty: none); the channel starts with it,
 * or with it without retries when its {@code retries} property is {@code off}
 */
public record ChannelSettings(String target, String negotiationType, @Nullable String sslBundle,
		@Nullable String loadBalancingPolicy, Map<String, Object> serviceConfig) {

	public ChannelSettings {
		// Only operations tools read these settings, and they show them to people.
		target = TargetCredentials.masked(target);
	}

}
