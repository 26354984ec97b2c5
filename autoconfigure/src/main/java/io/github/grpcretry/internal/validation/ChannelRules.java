package io.github.grpcretry.internal.validation;

import java.time.Duration;
import java.util.function.Predicate;

import io.github.grpcretry.internal.channel.ClientAddress;
import io.github.grpcretry.internal.channel.StaticNameResolverProvider;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.NegotiationType;
import io.github.grpcretry.properties.Retries;
import org.jspecify.annotations.Nullable;

import org.springframework.util.unit.DataSize;

/**
 * The rules for a client's channel properties (address, xds: targets, SSL, buffers, shutdown, keep-alive, idle mode,
 * inbound sizes), so that no channel fails to build or runs with a value grpc-java changed without a word.
 */
final class ChannelRules {

	private static final String STATIC_SCHEME = "static://";

	private final String path;

	private final ServiceConfigKeys keys;

	private final Predicate<String> sslBundleExists;

	private final @Nullable String grpcJavaVersion;

	private final Violations violations;

	ChannelRules(String path, ServiceConfigKeys keys, Predicate<String> sslBundleExists,
			@Nullable String grpcJavaVersion, Violations violations) {
		this.path = path;
		this.keys = keys;
		this.sslBundleExists = sslBundleExists;
		this.grpcJavaVersion = grpcJavaVersion;
		this.violations = violations;
	}

	/**
	 * Checks what the client connects to: its address, an xds: target's limits, its SSL bundle.
	 * @param client the client's properties
	 */
	void checkTarget(ClientProperties client) {
		checkAddress(client.address());
		if (ClientAddress.isXds(client.address())) {
			checkXds(client);
		}
		checkSsl(client);
	}

	/**
	 * Checks the settings of the client's channel: buffers, shutdown, keep-alive, idle mode, inbound sizes.
	 * @param client the client's properties
	 */
	void checkSettings(ClientProperties client) {
		this.violations.positive(this.path + ".retry-buffer-size", client.retryBufferSize(),
				"the memory all calls share for replaying requests; 16MB is grpc-java's default");
		this.violations.positive(this.path + ".per-rpc-buffer-limit", client.perRpcBufferLimit(),
				"the memory one call may hold for replaying its request; 1MB is grpc-java's default");
		checkShutdownGracePeriod(this.path + ".shutdown-grace-period", client.shutdownGracePeriod());
		checkKeepAliveTime(this.path + ".keep-alive.time", client.keepAlive().time());
		checkKeepAliveTimeout(this.path + ".keep-alive.timeout", client.keepAlive().timeout());
		checkIdleTimeout(this.path + ".idle-timeout", client.idleTimeout());
		this.violations.messageSize(this.path + ".max-inbound-message-size", client.maxInboundMessageSize());
		metadataSize(this.path + ".max-inbound-metadata-size", client.maxInboundMetadataSize());
	}

	private void checkAddress(@Nullable String address) {
		String property = this.path + ".address";
		if (address == null || address.isBlank()) {
			this.violations.add(property, address, "is required: a client needs a target to connect to",
					"set it to host:port, a target URI such as dns:///host:port, or static://h1:p1,h2:p2");
			return;
		}
		if (address.startsWith(STATIC_SCHEME)) {
			String backends = address.substring(STATIC_SCHEME.length());
			for (String backend : backends.split(",", -1)) {
				try {
					StaticNameResolverProvider.backend(backend);
				}
				catch (IllegalArgumentException ex) {
					this.violations.add(property, address, String.valueOf(ex.getMessage()),
							"list the backends as static://host1:port1,host2:port2");
					return;
				}
			}
		}
	}

	// An xds: target's resolver supplies the whole service config, from the control plane: grpc-java never applies
	// the channel's own there, so a policy written for it would silently not run.
	private void checkXds(ClientProperties client) {
		String ignored = "is set for an xds: client, whose service config the xDS control plane supplies: grpc-java"
				+ " never applies this one, so ";
		String fix = "configure retries in the control plane's route (its RetryPolicy), or remove ";
		if (!client.methodConfig().isEmpty()) {
			this.violations.add(this.path + "." + this.keys.methodConfig(), null,
					ignored + "none of its retries, hedging or timeouts would happen",
					fix + this.keys.methodConfig());
		}
		if (client.retryThrottling() != null) {
			this.violations.add(this.path + "." + this.keys.retryThrottling(), null,
					ignored + "its retries would never be throttled by it", fix + this.keys.retryThrottling());
		}
		if (client.retries() == Retries.OFF) {
			this.violations.add(this.path + ".retries", Retries.OFF.value(),
					ignored + "its calls would go on retrying as the control plane's route says",
					"turn retries off in the control plane's route (remove its RetryPolicy), or remove "
							+ this.path + ".retries");
		}
		if (XdsTargets.sendsRetriedRequestsEmpty(this.grpcJavaVersion)) {
			this.violations.add(this.path + ".address", client.address(),
					"is an xds: target, and grpc-java " + this.grpcJavaVersion + " (1.83.0 and 1.83.1) sends every"
							+ " retried request of an xds: call empty, so servers would receive empty requests"
							+ " whenever the control plane's route retries (grpc-java issue 13010)",
					"use grpc-java 1.84.1 or later for every io.grpc artifact (grpc-bom)");
		}
	}

	private void checkSsl(ClientProperties client) {
		String bundle = client.ssl().bundle();
		if (bundle == null) {
			return;
		}
		String property = this.path + ".ssl.bundle";
		if (client.negotiationType() == NegotiationType.PLAINTEXT) {
			this.violations.add(property, bundle, "is set, but negotiation-type is plaintext, so the bundle would be ignored",
					"set negotiation-type to tls, or remove ssl.bundle");
		}
		else if (!this.sslBundleExists.test(bundle)) {
			this.violations.add(property, bundle, "names no SSL bundle",
					"define it under spring.ssl.bundle.jks." + bundle + " or spring.ssl.bundle.pem." + bundle
							+ ", or correct the name");
		}
	}

	private void checkShutdownGracePeriod(String property, Duration gracePeriod) {
		String example = "set 0s to cancel calls in flight at once, or a longer time to let them finish";
		if (this.violations.notNegative(property, gracePeriod, example)) {
			this.violations.heldByGrpcJava(property, gracePeriod, "set a shorter grace period, such as 30s");
		}
	}

	private void checkKeepAliveTime(String property, @Nullable Duration time) {
		if (time != null && notRaised(property, time, GrpcJavaLimits.SHORTEST_KEEP_ALIVE_TIME, "10s",
				"keep-alive time", "set 10s or more, such as 30s, or remove it for no pings")) {
			this.violations.heldByGrpcJava(property, time, "set a shorter time, such as 30s, or remove it for no pings");
		}
	}

	private void checkKeepAliveTimeout(String property, @Nullable Duration timeout) {
		if (timeout != null && notRaised(property, timeout, GrpcJavaLimits.SHORTEST_KEEP_ALIVE_TIMEOUT, "10ms",
				"keep-alive timeout", "set 10ms or more, such as 20s (grpc-java's default), or remove it")) {
			this.violations.heldByGrpcJava(property, timeout, "set a shorter timeout, such as 20s (grpc-java's default)");
		}
	}

	private void checkIdleTimeout(String property, @Nullable Duration idleTimeout) {
		if (idleTimeout == null || !notRaised(property, idleTimeout, GrpcJavaLimits.SHORTEST_IDLE_TIMEOUT, "1s",
				"idle timeout", "set 1s or more, such as 30m (grpc-java's default), or remove it")) {
			return;
		}
		if (idleTimeout.compareTo(GrpcJavaLimits.IDLE_MODE_OFF_FROM) < 0
				&& idleTimeout.getNano() % 1_000_000 != 0) {
			this.violations.add(property, idleTimeout, "has a fraction of a millisecond, which grpc-java drops: it keeps idle"
					+ " timeouts in whole milliseconds", "round it to whole milliseconds, such as 1500ms");
		}
		else {
			this.violations.heldByGrpcJava(property, idleTimeout,
					"set a shorter timeout; 30d or more already keeps the channel out of idle mode");
		}
	}

	/**
	 * Rejects a duration below a minimum that grpc-java would raise it to without a word.
	 * @return whether the duration is at least the minimum
	 */
	private boolean notRaised(String property, Duration duration, Duration minimum, String minimumText,
			String what, String fix) {
		if (duration.compareTo(minimum) >= 0) {
			return true;
		}
		this.violations.add(property, duration, "must be at least " + minimumText + ": grpc-java raises a shorter "
				+ what + " to " + minimumText + " without a word", fix);
		return false;
	}

	private void metadataSize(String property, @Nullable DataSize size) {
		// grpc-java's builders refuse 0 (checkArgument(bytes > 0)) and take an int.
		if (size != null && (size.toBytes() <= 0 || size.toBytes() > Integer.MAX_VALUE)) {
			this.violations.add(property, size, "must be between 1 and 2147483647 bytes (2GB - 1B)",
					"set a size such as 16KB, or remove it for grpc-java's default of 8KB");
		}
	}

}
