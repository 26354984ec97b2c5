package io.github.grpcretry.internal.serviceconfig;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.FailureStatusCode;
import io.github.grpcretry.properties.HedgingPolicyProperties;
import io.github.grpcretry.properties.MethodConfigProperties;
import io.github.grpcretry.properties.RetryPolicyProperties;
import io.github.grpcretry.properties.RetryThrottlingProperties;
import org.jspecify.annotations.Nullable;

import org.springframework.util.unit.DataSize;

/**
 * Maps a client's (validated) properties to the service-config map grpc-java expects: the JSON form of
 * {@code grpc.service_config.ServiceConfig} as Java maps and lists, with numbers as {@link Double}, durations as
 * exact decimal seconds ({@code "0.05s"}) and status codes as upper-case names. A method config without names is
 * the client's default, written as gRPC defines it: {@code "name": [{}]}.
 */
public final class ServiceConfigMapper {

	private ServiceConfigMapper() {
	}

	/**
	 * Builds the service config of one client.
	 * @param client the client's properties, already validated
	 * @return the service config, ready for {@code ManagedChannelBuilder.defaultServiceConfig}
	 */
	public static Map<String, Object> toServiceConfig(ClientProperties client) {
		return toServiceConfig(client.methodConfig(), client.retryThrottling());
	}

	/**
	 * Builds a service config from its method configs and retry throttling, wherever they were written.
	 * @param methodConfigs the method configs, already validated
	 * @param throttling the retry throttling, already validated, or {@code null} for none
	 * @return the service config, ready for {@code ManagedChannelBuilder.defaultServiceConfig}
	 */
	public static Map<String, Object> toServiceConfig(List<MethodConfigProperties> methodConfigs,
			@Nullable RetryThrottlingProperties throttling) {
		Map<String, Object> serviceConfig = new LinkedHashMap<>();
		List<Map<String, Object>> methodConfigMaps = new ArrayList<>();
		for (MethodConfigProperties methodConfig : methodConfigs) {
			methodConfigMaps.add(methodConfig(methodConfig));
		}
		if (!methodConfigMaps.isEmpty()) {
			serviceConfig.put("methodConfig", methodConfigMaps);
		}
		if (throttling != null) {
			Map<String, Object> retryThrottling = new LinkedHashMap<>();
			retryThrottling.put("maxTokens", throttling.maxTokens());
			retryThrottling.put("tokenRatio", throttling.tokenRatio());
			serviceConfig.put("retryThrottling", retryThrottling);
		}
		return serviceConfig;
	}

	/**
	 * The largest {@code max-attempts} of any retry or hedging policy of a client, which the channel's attempt cap
	 * must reach for the policy to be honoured.
	 * @param client the client's properties
	 * @return the largest configured maximum, or 0 when no policy sets one
	 */
	public static int largestMaxAttempts(ClientProperties client) {
		return largestMaxAttempts(client.methodConfig());
	}

	/**
	 * The largest {@code max-attempts} of any retry or hedging policy among method configs, which the channel's
	 * attempt cap must reach for the policy to be honoured.
	 * @param methodConfigs the method configs
	 * @return the largest configured maximum, or 0 when no policy sets one
	 */
	public static int largestMaxAttempts(List<MethodConfigProperties> methodConfigs) {
		int largest = 0;
		for (MethodConfigProperties methodConfig : methodConfigs) {
			if (methodConfig.retryPolicy() != null && methodConfig.retryPolicy().maxAttempts() != null) {
				largest = Math.max(largest, methodConfig.retryPolicy().maxAttempts());
			}
			if (methodConfig.hedgingPolicy() != null && methodConfig.hedgingPolicy().maxAttempts() != null) {
				largest = Math.max(largest, methodConfig.hedgingPolicy().maxAttempts());
			}
		}
		return largest;
	}

	/**
	 * The largest {@code maxAttempts} of any retry or hedging policy of a service config as grpc-java takes it, such as
	 * one a customizer amended, which the channel's attempt cap must reach for the policy to be honoured.
	 * @param serviceConfig the service config
	 * @return the largest maximum, or 0 when no policy sets one
	 */
	public static int largestMaxAttempts(Map<String, ?> serviceConfig) {
		int largest = 0;
		if (serviceConfig.get("methodConfig") instanceof List<?> methodConfigs) {
			for (Object methodConfig : methodConfigs) {
				if (methodConfig instanceof Map<?, ?> entry) {
					largest = Math.max(largest, maxAttempts(entry.get("retryPolicy")));
					largest = Math.max(largest, maxAttempts(entry.get("hedgingPolicy")));
				}
			}
		}
		return largest;
	}

	private static int maxAttempts(@Nullable Object policy) {
		if (policy instanceof Map<?, ?> map && map.get("maxAttempts") instanceof Number maxAttempts) {
			// Saturated to an int; a value that is no whole number fails grpc-java's parsing of the config anyway.
			return (int) Math.min(Math.ceil(maxAttempts.doubleValue()), Integer.MAX_VALUE);
		}
		return 0;
	}

	/**
	 * Writes a duration the way protobuf's JSON mapping does, exactly: {@code 50ms} is {@code "0.05s"}.
	 * @param duration the duration
	 * @return decimal seconds followed by {@code s}
	 */
	public static String seconds(Duration duration) {
		BigDecimal seconds = BigDecimal.valueOf(duration.getSeconds()).add(BigDecimal.valueOf(duration.getNano(), 9));
		return seconds.stripTrailingZeros().toPlainString() + "s";
	}

	private static Map<String, Object> methodConfig(MethodConfigProperties properties) {
		Map<String, Object> methodConfig = new LinkedHashMap<>();
		methodConfig.put("name", names(properties.name()));
		if (properties.timeout() != null) {
			methodConfig.put("timeout", seconds(properties.timeout()));
		}
		if (properties.waitForReady() != null) {
			methodConfig.put("waitForReady", properties.waitForReady());
		}
		if (properties.maxRequestMessageBytes() != null) {
			methodConfig.put("maxRequestMessageBytes", bytes(properties.maxRequestMessageBytes()));
		}
		if (properties.maxResponseMessageBytes() != null) {
			methodConfig.put("maxResponseMessageBytes", bytes(properties.maxResponseMessageBytes()));
		}
		if (properties.retryPolicy() != null) {
			methodConfig.put("retryPolicy", retryPolicy(properties.retryPolicy()));
		}
		if (properties.hedgingPolicy() != null) {
			methodConfig.put("hedgingPolicy", hedgingPolicy(properties.hedgingPolicy()));
		}
		return methodConfig;
	}

	private static List<Map<String, Object>> names(List<MethodConfigProperties.Name> properties) {
		List<Map<String, Object>> names = new ArrayList<>();
		for (MethodConfigProperties.Name name : properties) {
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("service", name.service());
			if (name.method() != null && !name.method().isEmpty()) {
				entry.put("method", name.method());
			}
			names.add(entry);
		}
		// An entry without names is the default: gRPC writes it as one empty name (grpc-java skips an empty list).
		if (names.isEmpty()) {
			names.add(new LinkedHashMap<>());
		}
		return names;
	}

	private static Map<String, Object> retryPolicy(RetryPolicyProperties policy) {
		Map<String, Object> retryPolicy = new LinkedHashMap<>();
		retryPolicy.put("maxAttempts", number(policy.maxAttempts()));
		retryPolicy.put("initialBackoff", seconds(required(policy.initialBackoff())));
		retryPolicy.put("maxBackoff", seconds(required(policy.maxBackoff())));
		retryPolicy.put("backoffMultiplier", policy.backoffMultiplier());
		retryPolicy.put("retryableStatusCodes", codeNames(required(policy.retryableStatusCodes())));
		return retryPolicy;
	}

	private static Map<String, Object> hedgingPolicy(HedgingPolicyProperties policy) {
		Map<String, Object> hedgingPolicy = new LinkedHashMap<>();
		hedgingPolicy.put("maxAttempts", number(policy.maxAttempts()));
		hedgingPolicy.put("hedgingDelay", seconds(required(policy.hedgingDelay())));
		if (!policy.nonFatalStatusCodes().isEmpty()) {
			hedgingPolicy.put("nonFatalStatusCodes", codeNames(policy.nonFatalStatusCodes()));
		}
		return hedgingPolicy;
	}

	private static List<String> codeNames(List<FailureStatusCode> codes) {
		return codes.stream().map(FailureStatusCode::name).distinct().toList();
	}

	private static Double bytes(DataSize size) {
		return (double) size.toBytes();
	}

	private static Double number(@Nullable Integer value) {
		return required(value).doubleValue();
	}

	private static <T> T required(@Nullable T value) {
		if (value == null) {
			throw new IllegalArgumentException("Client properties must be validated before they are mapped");
		}
		return value;
	}

}
