package io.github.grpcretry.internal.serviceconfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The service-config settings that grpc-java 1.83 parses but never enforces, which no property tree or customizer may
 * hand it: a retry policy's {@code perAttemptRecvTimeout} (grpc-java issue 12919), which grpc-java checks and then
 * ignores, so that an attempt that hangs is neither cut off nor retried. {@code GrpcJavaLimitsTests} proves it
 * against grpc-java.
 */
public final class UnenforcedSettings {

	/** A retry policy's per-attempt receive timeout, as the service config's JSON names it. */
	public static final String PER_ATTEMPT_RECV_TIMEOUT = "perAttemptRecvTimeout";

	/** Why a per-attempt receive timeout is refused, in whichever tree it was written. */
	public static final String PER_ATTEMPT_RECV_TIMEOUT_PROBLEM = "is parsed by grpc-java 1.83 but never enforced"
			+ " (grpc-java issue 12919): an attempt that hangs is neither cut off nor retried, it waits for the"
			+ " call's deadline";

	private UnenforcedSettings() {
	}

	/**
	 * How to do without a per-attempt receive timeout.
	 * @param timeout the method config's own timeout, as its property tree names it
	 * @return the fix
	 */
	public static String perAttemptRecvTimeoutFix(String timeout) {
		return "remove it; bound the whole call instead, with the method's timeout (" + timeout
				+ ") or a deadline on the call";
	}

	/**
	 * Finds every per-attempt receive timeout in a service config.
	 * @param serviceConfig a service config as grpc-java takes it
	 * @return the JSON path of each, such as {@code methodConfig[0].retryPolicy.perAttemptRecvTimeout}; empty when
	 * there is none
	 */
	public static List<String> perAttemptRecvTimeouts(Map<String, ?> serviceConfig) {
		List<String> found = new ArrayList<>();
		if (serviceConfig.get("methodConfig") instanceof List<?> methodConfigs) {
			for (int i = 0; i < methodConfigs.size(); i++) {
				if (methodConfigs.get(i) instanceof Map<?, ?> methodConfig
						&& methodConfig.get("retryPolicy") instanceof Map<?, ?> retryPolicy
						&& retryPolicy.containsKey(PER_ATTEMPT_RECV_TIMEOUT)) {
					found.add("methodConfig[" + i + "].retryPolicy." + PER_ATTEMPT_RECV_TIMEOUT);
				}
			}
		}
		return found;
	}

}
