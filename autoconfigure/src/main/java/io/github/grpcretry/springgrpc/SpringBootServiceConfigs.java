package io.github.grpcretry.springgrpc;

import java.util.Collection;
import java.util.List;

import io.github.grpcretry.properties.FailureStatusCode;
import io.github.grpcretry.properties.HedgingPolicyProperties;
import io.github.grpcretry.properties.MethodConfigProperties;
import io.github.grpcretry.properties.RetryPolicyProperties;
import io.github.grpcretry.properties.RetryThrottlingProperties;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.grpc.client.autoconfigure.GrpcClientProperties;
import org.springframework.boot.grpc.client.autoconfigure.ServiceConfig;
import org.springframework.boot.grpc.client.autoconfigure.ServiceConfig.MethodConfig;
import org.springframework.boot.grpc.client.autoconfigure.ServiceConfig.RetryThrottlingPolicy;

/**
 * Reads Spring Boot 4.1's typed service config ({@code spring.grpc.client.channel.<name>.service-config}) as the
 * starter's model, so that the starter's validation rules and its exact rendering apply to it unchanged.
 */
final class SpringBootServiceConfigs {

	/** The channel whose properties apply to every target without an entry of its own, as Spring Boot looks it up. */
	private static final String DEFAULT_CHANNEL = "default";

	private SpringBootServiceConfigs() {
	}

	/**
	 * The typed service config that Spring Boot applies to a channel: that of the target's own entry, or of the
	 * {@code default} entry when the target has none.
	 * @param properties Spring Boot's gRPC client properties
	 * @param target the target a channel is created for, a channel name or an address
	 * @return the service config, or {@code null} when the channel has none
	 */
	static @Nullable ServiceConfig forTarget(GrpcClientProperties properties, String target) {
		GrpcClientProperties.Channel channel = properties.getChannel().get(target);
		channel = (channel != null) ? channel : properties.getChannel().get(DEFAULT_CHANNEL);
		return (channel != null) ? channel.getServiceConfig() : null;
	}

	/**
	 * The method configs, in the order written. An entry without name is the default entry, as in gRPC.
	 * @param serviceConfig the typed service config
	 * @return the method configs, empty when none is set
	 */
	static List<MethodConfigProperties> methodConfigs(ServiceConfig serviceConfig) {
		List<MethodConfig> methodConfigs = serviceConfig.method();
		return (methodConfigs != null) ? methodConfigs.stream().map(SpringBootServiceConfigs::methodConfig).toList()
				: List.of();
	}

	/**
	 * The retry throttling, with each {@code Float} as grpc-java receives it: Spring Boot writes
	 * {@link Float#toString(float)}, which grpc-java parses as a {@code double}.
	 * @param serviceConfig the typed service config
	 * @return the retry throttling, or {@code null} when not set
	 */
	static @Nullable RetryThrottlingProperties retryThrottling(ServiceConfig serviceConfig) {
		RetryThrottlingPolicy throttling = serviceConfig.retrythrottling();
		if (throttling == null) {
			return null;
		}
		return new RetryThrottlingProperties(asWritten(throttling.maxTokens()), asWritten(throttling.tokenRatio()));
	}

	private static MethodConfigProperties methodConfig(MethodConfig methodConfig) {
		List<MethodConfigProperties.Name> names = (methodConfig.name() != null) ? methodConfig.name()
			.stream()
			.map((name) -> new MethodConfigProperties.Name(name.service(), name.method()))
			.toList() : List.of();
		return new MethodConfigProperties(names, methodConfig.timeout(), methodConfig.waitForReady(),
				methodConfig.maxRequestMessage(), methodConfig.maxResponseMessage(), retryPolicy(methodConfig.retry()),
				hedgingPolicy(methodConfig.hedging()));
	}

	private static @Nullable RetryPolicyProperties retryPolicy(MethodConfig.@Nullable RetryPolicy retry) {
		if (retry == null) {
			return null;
		}
		return new RetryPolicyProperties(retry.maxAttempts(), retry.initialBackoff(), retry.maxBackoff(),
				retry.backoffMultiplier(), codeNames(retry.retryableStatusCodes()));
	}

	private static @Nullable HedgingPolicyProperties hedgingPolicy(MethodConfig.@Nullable HedgingPolicy hedging) {
		if (hedging == null) {
			return null;
		}
		List<FailureStatusCode> nonFatalStatusCodes = codeNames(hedging.nonFatalStatusCodes());
		return new HedgingPolicyProperties(hedging.maxAttempts(), hedging.delay(),
				(nonFatalStatusCodes != null) ? nonFatalStatusCodes : List.of());
	}

	// OK, which Spring Boot binds and the starter's model cannot hold, is refused by the verifier before this runs.
	private static @Nullable List<FailureStatusCode> codeNames(@Nullable Collection<Status.Code> codes) {
		return (codes != null) ? codes.stream()
			.filter((code) -> code != Status.Code.OK)
			.map((code) -> FailureStatusCode.valueOf(code.name()))
			.toList() : null;
	}

	private static @Nullable Double asWritten(@Nullable Float value) {
		return (value != null) ? Double.parseDouble(Float.toString(value)) : null;
	}

}
