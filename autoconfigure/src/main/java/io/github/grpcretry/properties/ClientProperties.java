package io.github.grpcretry.properties;

import java.time.Duration;
import java.util.List;

import io.github.grpcretry.internal.properties.ServiceConfigDuration;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * One gRPC client: where it connects, how, and the service config of its calls.
 *
 * @param address target of the channel: {@code host:port}, a gRPC target URI ({@code dns:///host:port},
 * {@code unix:/path}, {@code in-process:NAME}) or {@code static://h1:p1,h2:p2} for a fixed set of backends
 * @param negotiationType transport security of the channel
 * @param ssl TLS settings, used when the negotiation type is {@code tls}
 * @param loadBalancingPolicy how calls, and so retries, are spread over the backends the address resolves to
 * @param methodConfig the service config's method configs: which calls retry or hedge, and how
 * @param retryThrottling gRPC retry throttling for the whole client: retries and hedges stop while too many calls fail
 * @param retries {@code configured}, or {@code off}: every method makes one attempt (no retries, no hedging; timeouts
 * and the rest kept), as the incident switch does; refreshable, to switch a fleet through its configuration
 * @param checkMethodNames whether a method-config name close to, but not, a generated gRPC service or method on the
 * class path (such as {@code Echo} for {@code echo.Echo}) fails start-up and is refused by a refresh; refreshable
 * @param serviceConfigLookup whether a service config published by the name resolver (DNS TXT records, xDS) may
 * replace the one configured here
 * @param retryBufferSize memory shared by all calls of the channel for replaying requests on a retry or hedge
 * @param perRpcBufferLimit memory one call may hold for replaying its request on a retry or hedge
 * @param shutdownGracePeriod how long closing the application waits for calls in flight before cancelling them; 0s
 * to 292 years (the nanoseconds grpc-java holds)
 * @param keepAlive HTTP/2 keep-alive pings
 * @param idleTimeout how long the channel stays connected without calls before it goes idle: at least 1s, in whole
 * milliseconds (grpc-java raises a shorter one and drops fractions); 30 days or more keeps it out of idle mode
 * @param maxInboundMessageSize largest response message the channel accepts, 0 to 2GB - 1B
 * @param maxInboundMetadataSize largest response metadata (headers and trailers) the channel accepts, 1B to
 * 2GB - 1B
 * @param userAgent value prepended to gRPC's own user agent
 */
public record ClientProperties(@Nullable String address, @DefaultValue("tls") NegotiationType negotiationType,
		@DefaultValue Ssl ssl, @DefaultValue("round_robin") LoadBalancingPolicy loadBalancingPolicy,
		@DefaultValue List<MethodConfigProperties> methodConfig, @Nullable RetryThrottlingProperties retryThrottling,
		@DefaultValue("configured") Retries retries, @DefaultValue("true") boolean checkMethodNames,
		@DefaultValue("false") boolean serviceConfigLookup, @Nullable DataSize retryBufferSize,
		@Nullable DataSize perRpcBufferLimit, @DefaultValue("30s") @ServiceConfigDuration Duration shutdownGracePeriod,
		@DefaultValue KeepAlive keepAlive, @Nullable @ServiceConfigDuration Duration idleTimeout,
		@Nullable DataSize maxInboundMessageSize, @Nullable DataSize maxInboundMetadataSize,
		@Nullable String userAgent) {

	public ClientProperties {
		methodConfig = List.copyOf(methodConfig);
	}

	/**
	 * TLS settings of a client.
	 *
	 * @param bundle name of the Spring SSL bundle ({@code spring.ssl.bundle.*}) holding the trust store and, for
	 * mutual TLS, the key store; the JDK's default trust store when unset
	 */
	public record Ssl(@Nullable String bundle) {
	}

	/**
	 * HTTP/2 keep-alive of a client's connections.
	 *
	 * @param time how long a connection may be silent before the client pings it: at least 10s (grpc-java raises a
	 * shorter one); unset, or 1000 days or more, no pings. In-process channels have no connection to ping
	 * @param timeout how long the client waits for a ping's answer before closing the connection: at least 10ms
	 * (grpc-java raises a shorter one)
	 * @param withoutCalls whether pings are also sent while no call is in flight
	 */
	public record KeepAlive(@Nullable @ServiceConfigDuration Duration time,
			@Nullable @ServiceConfigDuration Duration timeout, @DefaultValue("false") boolean withoutCalls) {
	}

}
