package io.github.grpcretry.internal.channel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import io.github.grpcretry.autoconfigure.GrpcClientsEndpointAutoConfiguration;
import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.channel.InvalidChannelCustomizationException;
import io.github.grpcretry.channel.RetryChannelBuilderCustomizer;
import io.github.grpcretry.channel.RetryServiceConfigCustomizer;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpoint;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.StartupFailures;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

/**
 * What customizers can do to a client's service config, seen where a user sees it: the attempts a real server
 * received, the {@code grpcclients} endpoint, and the start-up failure. The YAML's policy makes 4 attempts.
 */
class ServiceConfigCustomizerTests {

	private static final String ENTRY = "grpc.clients.echo.method-config[0].";

	private static final Map<String, Object> HEALTH_CHECK = Map.of("serviceName", "echo.Echo");

	private static final List<Map<String, Object>> ROUND_ROBIN = List.of(Map.of("round_robin", Map.of()));

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class,
				GrpcClientsEndpointAutoConfiguration.class))
		.withPropertyValues("management.endpoints.web.exposure.include=grpcclients");

	@Test
	void healthCheckAndLoadBalancingConfigAddedByTheHookKeepTheRetryPolicyAndShowInTheEndpoint() {
		try (EchoTestServer server = alwaysUnavailable()) {
			this.contextRunner.withPropertyValues(client(server, 4))
				.withBean("healthChecks", RetryServiceConfigCustomizer.class, () -> (client, serviceConfig) -> {
					serviceConfig.put("healthCheckConfig", HEALTH_CHECK);
					serviceConfig.put("loadBalancingConfig", ROUND_ROBIN);
				})
				.run((context) -> {
					failingCall(context);
					assertThat(server.requestCount()).isEqualTo(4);
					Map<String, Object> shown = context.getBean(GrpcClientsEndpoint.class)
						.client("echo")
						.serviceConfig();
					assertThat(shown).containsOnlyKeys("methodConfig", "healthCheckConfig", "loadBalancingConfig")
						.containsEntry("healthCheckConfig", HEALTH_CHECK)
						.containsEntry("loadBalancingConfig", ROUND_ROBIN);
					assertThat(shown.get("methodConfig")).asString().contains("maxAttempts=4.0");
				});
		}
	}

	@Test
	void hooksAreCalledInOrderEachSeeingWhatTheOneBeforeLeft() {
		List<String> seen = new ArrayList<>();
		try (EchoTestServer server = alwaysUnavailable()) {
			this.contextRunner.withPropertyValues(client(server, 4))
				.withBean("first", RetryServiceConfigCustomizer.class,
						() -> (client, serviceConfig) -> serviceConfig.put("healthCheckConfig", HEALTH_CHECK))
				.withBean("second", RetryServiceConfigCustomizer.class, () -> (client, serviceConfig) -> {
					seen.add(client + " " + serviceConfig.keySet());
					// Mutable at every level: the YAML's retry policy can be amended in place.
					retryPolicy(serviceConfig).put("maxAttempts", 3);
				})
				.run((context) -> {
					failingCall(context);
					assertThat(seen).containsExactly("echo [methodConfig, healthCheckConfig]");
					assertThat(server.requestCount()).isEqualTo(3);
					// As grpc-java takes every number: a Double.
					assertThat(retryPolicy(context.getBean(GrpcClientsEndpoint.class).client("echo").serviceConfig()))
						.containsEntry("maxAttempts", 3.0);
				});
		}
	}

	@Test
	void maxAttemptsAboveFiveSetByTheHookAreAllMade() {
		try (EchoTestServer server = alwaysUnavailable()) {
			this.contextRunner.withPropertyValues(client(server, 4))
				.withBean(RetryServiceConfigCustomizer.class,
						() -> (client, serviceConfig) -> retryPolicy(serviceConfig).put("maxAttempts", 7.0))
				.run((context) -> {
					failingCall(context);
					assertThat(server.requestCount()).isEqualTo(7);
				});
		}
	}

	static Stream<Arguments> builderCallsThatWouldDropThePolicy() {
		return Stream.of(
				argumentSet("defaultServiceConfig, to add a health check",
						(Consumer<ManagedChannelBuilder<?>>) (builder) -> builder
							.defaultServiceConfig(Map.of("healthCheckConfig", HEALTH_CHECK)),
						"called defaultServiceConfig(...)", RetryServiceConfigCustomizer.class.getName()),
				argumentSet("disableRetry", (Consumer<ManagedChannelBuilder<?>>) ManagedChannelBuilder::disableRetry,
						"called disableRetry()", "remove the retry and hedging policies"),
				argumentSet("nameResolverFactory, which would replace the live service config's resolver",
						(Consumer<ManagedChannelBuilder<?>>) (builder) -> replaceNameResolver(builder),
						"called nameResolverFactory(...)", "register a NameResolverProvider"),
				argumentSet("maxRetryAttempts below max-attempts",
						(Consumer<ManagedChannelBuilder<?>>) (builder) -> builder.maxRetryAttempts(3),
						"called maxRetryAttempts(3)", "lower max-attempts"),
				argumentSet("build", (Consumer<ManagedChannelBuilder<?>>) ManagedChannelBuilder::build,
						"called build()", "only configure the builder"));
	}

	@SuppressWarnings("deprecation")
	private static void replaceNameResolver(ManagedChannelBuilder<?> builder) {
		builder.nameResolverFactory(NameResolverRegistry.getDefaultRegistry().asFactory());
	}

	@ParameterizedTest
	@MethodSource("builderCallsThatWouldDropThePolicy")
	void builderCustomizerThatWouldDropThePolicyFailsStartUpNamingIt(Consumer<ManagedChannelBuilder<?>> call,
			String problem, String fix) {
		try (EchoTestServer server = alwaysUnavailable()) {
			this.contextRunner.withPropertyValues(client(server, 4))
				.withBean("healthChecks", RetryChannelBuilderCustomizer.class,
						() -> (client, builder) -> call.accept(builder))
				.run((context) -> {
					assertThat(context).hasFailed();
					InvalidChannelCustomizationException failure = customizationFailure(context);
					assertThat(failure.getClientName()).isEqualTo("echo");
					assertThat(failure.getCustomizer()).startsWith("bean 'healthChecks' (");
					assertThat(failure.getProblem()).startsWith(problem);
					assertThat(failure.getFix()).contains(fix);
					FailureAnalysis analysis = StartupFailures.analysis(context.getStartupFailure());
					assertThat(analysis.getDescription()).contains("gRPC client 'echo'")
						.contains("Customizer: bean 'healthChecks'");
					assertThat(server.requestCount()).isZero();
				});
		}
	}

	@Test
	void disableServiceConfigLookUpIsRefusedOnlyAgainstServiceConfigLookup() {
		try (EchoTestServer server = alwaysUnavailable()) {
			ApplicationContextRunner disabling = this.contextRunner.withPropertyValues(client(server, 4))
				.withBean("noLookup", RetryChannelBuilderCustomizer.class,
						() -> (client, builder) -> builder.disableServiceConfigLookUp());
			disabling.run((context) -> {
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(4);
			});
			disabling.withPropertyValues("grpc.clients.echo.service-config-lookup=true")
				.run((context) -> assertThat(customizationFailure(context).getFix())
					.contains("grpc.clients.echo.service-config-lookup"));
		}
	}

	@Test
	void serviceConfigSetOnTheTransportBuilderIsReplacedByTheClientsOwn() {
		try (EchoTestServer server = alwaysUnavailable()) {
			this.contextRunner.withPropertyValues(client(server, 4))
				.withBean(RetryChannelBuilderCustomizer.class,
						() -> (client, builder) -> RetryChannelBuilderCustomizer
							.transportBuilder(builder, NettyChannelBuilder.class)
							.defaultServiceConfig(Map.of())
							.disableRetry()
							.maxRetryAttempts(2))
				.run((context) -> {
					failingCall(context);
					assertThat(server.requestCount()).isEqualTo(4);
				});
		}
	}

	static Stream<Arguments> badAmendments() {
		return Stream.of(
				argumentSet("a value of a type grpc-java does not take",
						(RetryServiceConfigCustomizer) (client, serviceConfig) -> retryPolicy(serviceConfig)
							.put("initialBackoff", Duration.ofMillis(10)),
						"made a service config that grpc-java refuses (The value of the map entry"),
				argumentSet("a load-balancing policy grpc-java does not have",
						(RetryServiceConfigCustomizer) (client, serviceConfig) -> serviceConfig
							.put("loadBalancingConfig", List.of(Map.of("round_robbin", Map.of()))),
						"made a service config that grpc-java refuses (Default config is invalid"),
				argumentSet("a retry policy of one attempt",
						(RetryServiceConfigCustomizer) (client, serviceConfig) -> retryPolicy(serviceConfig)
							.put("maxAttempts", 1.0),
						"made a service config that grpc-java refuses (Default config is invalid"),
				argumentSet("a per-attempt receive timeout, which grpc-java ignores",
						(RetryServiceConfigCustomizer) (client, serviceConfig) -> retryPolicy(serviceConfig)
							.put("perAttemptRecvTimeout", "0.1s"),
						"set methodConfig[0].retryPolicy.perAttemptRecvTimeout, which is parsed by grpc-java 1.83 but"
								+ " never enforced (grpc-java issue 12919)"));
	}

	@ParameterizedTest
	@MethodSource("badAmendments")
	void badAmendmentFailsStartUpNamingTheClientAndTheCustomizer(RetryServiceConfigCustomizer customizer,
			String problem) {
		try (EchoTestServer server = alwaysUnavailable()) {
			this.contextRunner.withPropertyValues(client(server, 4))
				.withBean("amendment", RetryServiceConfigCustomizer.class, () -> customizer)
				.run((context) -> {
					assertThat(context).hasFailed();
					InvalidChannelCustomizationException failure = customizationFailure(context);
					assertThat(failure.getClientName()).isEqualTo("echo");
					assertThat(failure.getCustomizer()).startsWith("bean 'amendment' (");
					assertThat(failure.getProblem()).startsWith(problem);
				});
		}
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> retryPolicy(Map<String, Object> serviceConfig) {
		List<Map<String, Object>> methodConfigs = (List<Map<String, Object>>) serviceConfig.get("methodConfig");
		return (Map<String, Object>) methodConfigs.get(0).get("retryPolicy");
	}

	private static InvalidChannelCustomizationException customizationFailure(AssertableApplicationContext context) {
		for (Throwable cause = context.getStartupFailure(); cause != null; cause = cause.getCause()) {
			if (cause instanceof InvalidChannelCustomizationException failure) {
				return failure;
			}
		}
		throw new AssertionError("Start-up did not fail for a customizer", context.getStartupFailure());
	}

	private static void failingCall(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> EchoGrpc.newBlockingStub(channel)
				.unaryEcho(EchoRequest.newBuilder().setMessage("hello").build()))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
	}

	private static EchoTestServer alwaysUnavailable() {
		return EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)));
	}

	private static String[] client(EchoTestServer server, int maxAttempts) {
		return new String[] { "grpc.clients.echo.address=" + server.address(),
				"grpc.clients.echo.negotiation-type=plaintext", ENTRY + "name[0].service=echo.Echo",
				ENTRY + "retry-policy.max-attempts=" + maxAttempts, ENTRY + "retry-policy.initial-backoff=10ms",
				ENTRY + "retry-policy.max-backoff=10ms", ENTRY + "retry-policy.backoff-multiplier=1",
				ENTRY + "retry-policy.retryable-status-codes=UNAVAILABLE" };
	}

}
