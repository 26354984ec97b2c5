package io.github.grpcretry.internal.serviceconfig;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.grpcretry.channel.InvalidChannelCustomizationException;
import io.github.grpcretry.channel.RetryServiceConfigCustomizer;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.grpc.ManagedChannelBuilder;
import io.grpc.inprocess.InProcessChannelBuilder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The service-config pipeline without a Spring context: what start-up hands a channel and what a change hands a
 * running one come through the same steps, each checked by grpc-java's own parser on a probe channel.
 */
class ServiceConfigPipelineTests {

	private static final String CLIENT = "grpc.clients.echo.";

	private static final String RETRY = CLIENT + "method-config[0].retry-policy.";

	@Test
	void startUpsConfigIsWhatThePropertiesMakeAmendedByEachCustomizerInTurn() {
		RetryServiceConfigCustomizer health = (client, config) -> config.put("healthCheckConfig",
				Map.of("serviceName", "echo.Echo"));
		RetryServiceConfigCustomizer seesTheFirst = (client, config) -> assertThat(config).containsKey(
				"healthCheckConfig");
		Map<String, Object> serviceConfig = pipeline(health, seesTheFirst).serviceConfig("echo", client(4));
		assertThat(serviceConfig).containsEntry("healthCheckConfig", Map.of("serviceName", "echo.Echo"));
		assertThat(maxAttempts(serviceConfig)).isEqualTo(4.0);
	}

	@Test
	void aChangeCarriesAPolicyOtherThanTheRunningChannelsInTheConfig() {
		ServiceConfigPipeline.Configured configured = pipeline().forRunningChannel("echo", client(3), "pick_first",
				5);
		assertThat(configured.loadBalancingPolicy()).isEqualTo("round_robin");
		assertThat(configured.serviceConfig()).containsEntry("loadBalancingConfig",
				List.of(Map.of("round_robin", Map.of())));
		assertThat(pipeline().forRunningChannel("echo", client(3), "round_robin", 5).serviceConfig())
			.doesNotContainKey("loadBalancingConfig");
	}

	@Test
	void aChangeAboveTheRunningChannelsCapIsRefusedNamingIt() {
		assertThatIllegalStateException()
			.isThrownBy(() -> pipeline().forRunningChannel("echo", client(6), "round_robin", 5))
			.withMessageContaining("maxAttempts of 6, above the running channel's cap of 5 attempts");
		assertThat(maxAttempts(pipeline().forRunningChannel("echo", client(6), "round_robin", 0).serviceConfig()))
			.as("no channel runs: the next one is built with the caps it needs")
			.isEqualTo(6.0);
	}

	@Test
	void anAmendmentGrpcJavaRefusesFailsNamingTheCustomizer() {
		RetryServiceConfigCustomizer broken = (client, config) -> config.put("retryThrottling",
				Map.of("maxTokens", "ten", "tokenRatio", 0.1));
		assertThatExceptionOfType(InvalidChannelCustomizationException.class)
			.isThrownBy(() -> pipeline(broken).serviceConfig("echo", client(4)))
			.withMessageContaining("gRPC client 'echo'")
			.withMessageContaining("grpc-java refuses");
	}

	private static ServiceConfigPipeline pipeline(RetryServiceConfigCustomizer... customizers) {
		return new ServiceConfigPipeline(new InProcessProbes(), List.of(customizers),
				(customizer) -> customizer.getClass().getName());
	}

	@SuppressWarnings("unchecked")
	private static Object maxAttempts(Map<String, Object> serviceConfig) {
		Map<String, Object> methodConfig = ((List<Map<String, Object>>) serviceConfig.get("methodConfig")).get(0);
		return ((Map<String, Object>) methodConfig.get("retryPolicy")).get("maxAttempts");
	}

	private static ClientProperties client(int maxAttempts) {
		Map<String, String> properties = new HashMap<>();
		properties.put(CLIENT + "address", "localhost:50051");
		properties.put(CLIENT + "method-config[0].name[0].service", "echo.Echo");
		properties.put(RETRY + "max-attempts", String.valueOf(maxAttempts));
		properties.put(RETRY + "initial-backoff", "10ms");
		properties.put(RETRY + "max-backoff", "100ms");
		properties.put(RETRY + "backoff-multiplier", "2");
		properties.put(RETRY + "retryable-status-codes", "UNAVAILABLE");
		return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate(GrpcClientsProperties.PREFIX,
				GrpcClientsProperties.class)
			.clients()
			.get("echo");
	}

	/**
	 * Probes on the in-process transport, which connects to nothing: grpc-java parses the config as it builds one.
	 */
	private static final class InProcessProbes implements ServiceConfigPipeline.Transport {

		@Override
		public @Nullable String loadBalancingPolicy(ClientProperties client) {
			return client.loadBalancingPolicy().policyName();
		}

		@Override
		public ManagedChannelBuilder<?> newProbe(ClientProperties client) {
			return InProcessChannelBuilder.forName("probe");
		}

	}

}
