package io.github.grpcretry.internal.serviceconfig;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.github.grpcretry.channel.InvalidChannelCustomizationException;
import io.github.grpcretry.channel.RetryServiceConfigCustomizer;
import io.grpc.ManagedChannelBuilder;

/**
 * Hands a client's service config to each {@link RetryServiceConfigCustomizer} in turn and checks every amendment
 * as grpc-java will take it, so that the map handed to grpc-java, and shown by the endpoint, is one that grpc-java
 * accepts and enforces as written.
 */
final class ServiceConfigAmendments {

	private ServiceConfigAmendments() {
	}

	/**
	 * Amends a client's service config.
	 * @param clientName the client's name
	 * @param serviceConfig the service config its properties make
	 * @param customizers the customizers, in order
	 * @param customizerNames names a customizer in a failure
	 * @param probeBuilder a builder of the client's transport, retry enabled and its attempt caps raised to the
	 * largest {@code maxAttempts} of the given service config, on which grpc-java parses it
	 * @return the amended service config, unmodifiable at every level, its numbers as {@link Double}s
	 * @throws InvalidChannelCustomizationException if grpc-java would refuse or ignore what a customizer added
	 */
	static Map<String, Object> amend(String clientName, Map<String, Object> serviceConfig,
			List<RetryServiceConfigCustomizer> customizers, Function<Object, String> customizerNames,
			Function<Map<String, ?>, ManagedChannelBuilder<?>> probeBuilder) {
		Map<String, Object> current = serviceConfig;
		for (RetryServiceConfigCustomizer customizer : customizers) {
			Map<String, Object> amended = copy(current, true);
			customizer.customize(clientName, amended);
			if (!amended.equals(current)) {
				check(clientName, customizerNames.apply(customizer), amended, probeBuilder);
				current = amended;
			}
		}
		return copy(current, false);
	}

	private static void check(String clientName, String customizer, Map<String, Object> serviceConfig,
			Function<Map<String, ?>, ManagedChannelBuilder<?>> probeBuilder) {
		List<String> unenforced = UnenforcedSettings.perAttemptRecvTimeouts(serviceConfig);
		if (!unenforced.isEmpty()) {
			throw new InvalidChannelCustomizationException(clientName, customizer,
					"set " + String.join(", ", unenforced) + ", which "
							+ UnenforcedSettings.PER_ATTEMPT_RECV_TIMEOUT_PROBLEM,
					"remove " + UnenforcedSettings.PER_ATTEMPT_RECV_TIMEOUT + "; bound the whole call instead, with"
							+ " the method's timeout or a deadline on the call",
					null);
		}
		try {
			// Building a channel is grpc-java's only public way to parse a service config fully; it connects lazily.
			probeBuilder.apply(serviceConfig).defaultServiceConfig(serviceConfig).build().shutdownNow();
		}
		catch (IllegalArgumentException | IllegalStateException | ClassCastException ex) {
			// grpc-java's message ends with the stack trace of what it caught: its first line says what is wrong.
			String reason = String.valueOf(ex.getMessage()).lines().findFirst().orElse("");
			throw new InvalidChannelCustomizationException(clientName, customizer,
					"made a service config that grpc-java refuses (" + reason + "): " + serviceConfig,
					"write the service config as grpc-java takes it: the JSON form of grpc.service_config.ServiceConfig"
							+ " as maps and lists, numbers as Double, durations as strings such as \"0.05s\"",
					ex);
		}
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> copy(Map<String, ?> serviceConfig, boolean mutable) {
		return (Map<String, Object>) copyValue(serviceConfig, mutable);
	}

	private static Object copyValue(Object value, boolean mutable) {
		if (value instanceof Map<?, ?> map) {
			Map<Object, Object> copy = new LinkedHashMap<>();
			map.forEach((key, entry) -> copy.put(key, copyValue(entry, mutable)));
			return mutable ? copy : Collections.unmodifiableMap(copy);
		}
		if (value instanceof List<?> list) {
			List<Object> copy = new ArrayList<>(list.size());
			list.forEach((element) -> copy.add(copyValue(element, mutable)));
			return mutable ? copy : Collections.unmodifiableList(copy);
		}
		// grpc-java takes every number as a Double: the config handed over, and shown, says so.
		if (!mutable && value instanceof Number number) {
			return number.doubleValue();
		}
		return value;
	}

}
