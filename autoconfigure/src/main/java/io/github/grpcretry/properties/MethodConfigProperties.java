package io.github.grpcretry.properties;

import java.time.Duration;
import java.util.List;

import io.github.grpcretry.internal.properties.ServiceConfigDuration;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * One method config of a client's service config: the calls it names and what applies to them.
 *
 * @param name the calls this entry governs; the most specific entry wins (method, then service). Without names, the
 * entry is the client's default: it governs every method no other entry names (at most one such entry)
 * @param timeout deadline of a call, over all its attempts, unless the caller sets a shorter one; greater than 0, at
 * most 36500 days (grpc-java's latest deadline)
 * @param waitForReady whether calls wait for a connection instead of failing at once while none is ready
 * @param maxRequestMessageBytes largest request message a call may send
 * @param maxResponseMessageBytes largest response message a call accepts
 * @param retryPolicy retry a failed attempt after a backoff; at most one of retry-policy and hedging-policy
 * @param hedgingPolicy send further attempts before the first one answers; at most one of retry-policy and
 * hedging-policy
 */
public record MethodConfigProperties(@DefaultValue List<Name> name, @Nullable @ServiceConfigDuration Duration timeout,
		@Nullable Boolean waitForReady, @Nullable DataSize maxRequestMessageBytes,
		@Nullable DataSize maxResponseMessageBytes, @Nullable RetryPolicyProperties retryPolicy,
		@Nullable HedgingPolicyProperties hedgingPolicy) {

	public MethodConfigProperties {
		name = List.copyOf(name);
	}

	/**
	 * Which calls a method config governs.
	 *
	 * @param service full service name, {@code <proto package>.<service>}, such as {@code echo.Echo}
	 * @param method method name, such as {@code UnaryEcho}; unset, every method of the service
	 */
	public record Name(@Nullable String service, @Nullable String method) {
	}

}
