package io.github.grpcretry.internal.refresh;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

import io.github.grpcretry.properties.ClientProperties;
import org.jspecify.annotations.Nullable;

/**
 * Which of a client's properties a running channel can take, and which need a new channel, hence a restart.
 */
final class RestartProperties {

	// What a channel is built with: its address and transport, set on the builder once.
	private static final List<Property> RESTART = List.of(new Property("address", ClientProperties::address),
			new Property("negotiation-type", ClientProperties::negotiationType),
			new Property("ssl.bundle", (client) -> client.ssl().bundle()),
			new Property("service-config-lookup", ClientProperties::serviceConfigLookup),
			new Property("retry-buffer-size", ClientProperties::retryBufferSize),
			new Property("per-rpc-buffer-limit", ClientProperties::perRpcBufferLimit),
			new Property("keep-alive.time", (client) -> client.keepAlive().time()),
			new Property("keep-alive.timeout", (client) -> client.keepAlive().timeout()),
			new Property("keep-alive.without-calls", (client) -> client.keepAlive().withoutCalls()),
			new Property("idle-timeout", ClientProperties::idleTimeout),
			new Property("max-inbound-message-size", ClientProperties::maxInboundMessageSize),
			new Property("max-inbound-metadata-size", ClientProperties::maxInboundMetadataSize),
			new Property("user-agent", ClientProperties::userAgent),
			new Property("shutdown-grace-period", ClientProperties::shutdownGracePeriod));

	// What the channel's service config holds, which its name resolver hands it while it runs.
	private static final List<Property> LIVE = List.of(new Property("method-config", ClientProperties::methodConfig),
			new Property("retry-throttling", ClientProperties::retryThrottling),
			new Property("load-balancing-policy", ClientProperties::loadBalancingPolicy),
			new Property("retries", ClientProperties::retries));

	// check-method-names is in neither list: it changes what a refresh's rules check, never a channel.

	private RestartProperties() {
	}

	/**
	 * The properties that differ from what the channel was built with and need a restart.
	 * @param prefix the client's property path, such as {@code grpc.clients.echo}
	 * @param builtWith the properties the channel was built with
	 * @param candidate the new properties
	 * @return the full paths of the properties that differ
	 */
	static List<String> changed(String prefix, ClientProperties builtWith, ClientProperties candidate) {
		return differing(RESTART, prefix, builtWith, candidate);
	}

	/**
	 * The properties of the service config that differ from the ones in effect.
	 * @param prefix the client's property path, such as {@code grpc.clients.echo}
	 * @param inEffect the properties whose service config is in effect
	 * @param candidate the new properties
	 * @return the full paths of the properties that differ
	 */
	static List<String> liveChanged(String prefix, @Nullable ClientProperties inEffect, ClientProperties candidate) {
		return differing(LIVE, prefix, inEffect, candidate);
	}

	private static List<String> differing(List<Property> properties, String prefix,
			@Nullable ClientProperties before, ClientProperties after) {
		List<String> differing = new ArrayList<>();
		for (Property property : properties) {
			if (before == null || !Objects.equals(property.value().apply(before), property.value().apply(after))) {
				differing.add(prefix + "." + property.name());
			}
		}
		return differing;
	}

	private record Property(String name, Function<ClientProperties, @Nullable Object> value) {
	}

}
