package io.github.grpcretry.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.grpcretry.channel.ServiceConfigChangeListener;
import io.github.grpcretry.channel.ServiceConfigChangeListener.Result;
import io.github.grpcretry.internal.channel.ClientServiceConfig;
import io.github.grpcretry.internal.channel.GrpcChannelFactory;
import io.github.grpcretry.internal.channel.LiveServiceConfig;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.ServiceConfigPublishingResolver;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The starter's own channel bean takes a changed service config while it runs, whatever its address's scheme and
 * whether or not the target's own resolver may publish a config, and its attempt metrics count each call under the
 * policy it ran with.
 */
class LiveServiceConfigChannelTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class)
		.withPropertyValues("grpc.clients.echo.negotiation-type=plaintext", ENTRY_0 + "name[0].service=echo.Echo",
				ENTRY_0 + "retry-policy.max-attempts=4", ENTRY_0 + "retry-policy.initial-backoff=5ms",
				ENTRY_0 + "retry-policy.max-backoff=5ms", ENTRY_0 + "retry-policy.backoff-multiplier=1",
				ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE");

	@ParameterizedTest
	@ValueSource(strings = { "%s|false", "dns:///%s|false", "static://%s|false", "%s|true" })
	void theChannelBeanTakesAChangedPolicyForItsNextCalls(String addressAndLookup) {
		String[] parts = addressAndLookup.split("\\|");
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)))) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + parts[0].formatted(server.address()),
						"grpc.clients.echo.service-config-lookup=" + parts[1])
				.run((context) -> {
					failingCall(context);
					assertThat(server.requestCount()).isEqualTo(4);

					LiveServiceConfig serviceConfig = context.getBean(GrpcChannelFactory.class).serviceConfig("echo");
					Map<String, Object> twoAttempts = new HashMap<>(serviceConfig.get());
					twoAttempts.put("methodConfig", List.of(Map.of("name", List.of(Map.of("service", "echo.Echo")),
							"retryPolicy", Map.of("maxAttempts", 2.0, "initialBackoff", "0.005s", "maxBackoff",
									"0.005s", "backoffMultiplier", 1.0, "retryableStatusCodes", List.of("UNAVAILABLE")))));
					assertThat(serviceConfig.set(twoAttempts, Duration.ofSeconds(5))).isTrue();
					failingCall(context);
					assertThat(server.requestCount()).isEqualTo(4 + 2);

					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					assertThat(meters.attempts()).isEqualTo(server.requestCount());
					assertThat(meters.attempts("kind", "retry")).isEqualTo(3 + 1);
					assertThat(meters.calls("outcome", "failed_with_retry")).isEqualTo(2);
				});
		}
	}

	@Test
	void theIncidentSwitchWinsOverAConfigTheTargetsResolverPublishes() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)))) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + ServiceConfigPublishingResolver.target(server),
						"grpc.clients.echo.service-config-lookup=true")
				.run((context) -> {
					// The resolver's config (3 attempts) wins over the properties' (4).
					failingCall(context);
					assertThat(server.requestCount()).isEqualTo(3);

					ClientServiceConfig serviceConfig = context.getBean(GrpcChannelFactory.class)
						.clientServiceConfig("echo");
					assertThat(serviceConfig.switchRetries(true).complete(Duration.ofSeconds(5))).isEqualTo(Result.APPLIED);
					failingCall(context);
					assertThat(server.requestCount()).isEqualTo(3 + 1);
					assertThat(serviceConfig.state().source()).isEqualTo(ServiceConfigChangeListener.Source.ENDPOINT);
					assertThat(serviceConfig.state().retriesOff()).isTrue();

					assertThat(serviceConfig.switchRetries(false).complete(Duration.ofSeconds(5))).isEqualTo(Result.APPLIED);
					failingCall(context);
					assertThat(server.requestCount()).isEqualTo(3 + 1 + 3);
					assertThat(context.getBean(MeterRegistry.class)
						.get("grpc.client.service_config.changes")
						.tags("client", "echo", "source", "endpoint", "result", "applied")
						.counter()
						.count()).isEqualTo(2);
				});
		}
	}

	@Test
	void theConfiguredServiceConfigHasBeenInEffectSinceTheStart() {
		Instant beforeStart = Instant.now();
		this.contextRunner.withPropertyValues("grpc.clients.echo.address=127.0.0.1:1").run((context) -> {
			Instant afterStart = Instant.now();
			ClientServiceConfig.State state = context.getBean(GrpcChannelFactory.class)
				.clientServiceConfig("echo")
				.state();
			assertThat(state.source()).isEqualTo(ServiceConfigChangeListener.Source.CONFIGURATION);
			assertThat(state.retriesOff()).isFalse();
			assertThat(state.changedAt()).isBetween(beforeStart, afterStart);
		});
	}

	@Test
	void anInProcessClientIsNotSwitchedAndSaysWhy() {
		this.contextRunner.withPropertyValues("grpc.clients.echo.address=in-process:live-service-config-tests")
			.run((context) -> assertThatIllegalStateException()
				.isThrownBy(() -> context.getBean(GrpcChannelFactory.class).clientServiceConfig("echo").switchRetries(true))
				.withMessageContaining("in-process address")
				.withMessageContaining("restart"));
	}

	private static void failingCall(AssertableApplicationContext context) {
		ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> EchoGrpc.newBlockingStub(channel).unaryEcho(EchoRequest.newBuilder().setMessage("hi").build()));
	}

}
