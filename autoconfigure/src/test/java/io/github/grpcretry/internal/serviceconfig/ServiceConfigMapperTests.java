package io.github.grpcretry.internal.serviceconfig;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.grpcretry.internal.properties.FailureStatusCodeConverter;
import io.github.grpcretry.internal.properties.ServiceConfigDurationConverter;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.EchoTestServer.Request;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PlaceholdersResolver;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.convert.ApplicationConversionService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

/**
 * The service config the mapper writes is the one grpc-java reads: it builds a channel from it, and the channel
 * retries, times out and limits messages as the properties say.
 */
class ServiceConfigMapperTests {

	private static final String ENTRY = "method-config[0].";

	private static final String[] RETRY = { "address=localhost:50051", ENTRY + "name[0].service=echo.Echo",
			ENTRY + "name[0].method=UnaryEcho", ENTRY + "retry-policy.max-attempts=4",
			ENTRY + "retry-policy.initial-backoff=.01s", ENTRY + "retry-policy.max-backoff=1050ms",
			ENTRY + "retry-policy.backoff-multiplier=1.5",
			ENTRY + "retry-policy.retryable-status-codes=unavailable,resource-exhausted,14" };

	private static final String[] EVERY_FIELD = concat(RETRY, ENTRY + "timeout=2.5s", ENTRY + "wait-for-ready=true",
			ENTRY + "max-request-message-bytes=1MB", ENTRY + "max-response-message-bytes=4MB",
			"retry-throttling.max-tokens=10", "retry-throttling.token-ratio=0.1");

	private static final String[] HEDGED_OTHER_ECHO = { "method-config[1].name[0].service=echo.Echo",
			"method-config[1].name[0].method=OtherEcho", "method-config[1].hedging-policy.max-attempts=3",
			"method-config[1].hedging-policy.hedging-delay=.05s",
			"method-config[1].hedging-policy.non-fatal-status-codes=UNAVAILABLE" };

	private static final String[] HEDGING = { "address=localhost:50051", ENTRY + "name[0].service=echo.Echo",
			ENTRY + "timeout=1s", ENTRY + "hedging-policy.max-attempts=3", ENTRY + "hedging-policy.hedging-delay=50ms",
			ENTRY + "hedging-policy.non-fatal-status-codes=unavailable,internal", "retry-throttling.max-tokens=1000",
			"retry-throttling.token-ratio=0.001" };

	static Stream<Arguments> durations() {
		return Stream.of(argumentSet("10ms", Duration.ofMillis(10), "0.01s"),
				argumentSet("50ms", Duration.ofMillis(50), "0.05s"),
				argumentSet("1050ms", Duration.ofMillis(1050), "1.05s"),
				argumentSet("1s", Duration.ofSeconds(1), "1s"), argumentSet("10s", Duration.ofSeconds(10), "10s"),
				argumentSet("0", Duration.ZERO, "0s"), argumentSet("1ns", Duration.ofNanos(1), "0.000000001s"));
	}

	@ParameterizedTest
	@MethodSource("durations")
	void durationIsExactDecimalSeconds(Duration duration, String expected) {
		assertThat(ServiceConfigMapper.seconds(duration)).isEqualTo(expected);
	}

	@Test
	void everyFieldIsWrittenUnderItsServiceConfigJsonName() {
		Map<String, Object> retryPolicy = Map.of("maxAttempts", 4.0, "initialBackoff", "0.01s", "maxBackoff", "1.05s",
				"backoffMultiplier", 1.5, "retryableStatusCodes", List.of("UNAVAILABLE", "RESOURCE_EXHAUSTED"));
		List<Map<String, Object>> name = List.of(Map.of("service", "echo.Echo", "method", "UnaryEcho"));
		Map<String, Object> methodConfig = Map.of("name", name, "timeout", "2.5s", "waitForReady", true,
				"maxRequestMessageBytes", 1048576.0, "maxResponseMessageBytes", 4194304.0, "retryPolicy", retryPolicy);
		assertThat(ServiceConfigMapper.toServiceConfig(client(EVERY_FIELD))).isEqualTo(Map.of("methodConfig",
				List.of(methodConfig), "retryThrottling", Map.of("maxTokens", 10.0, "tokenRatio", 0.1)));
	}

	@Test
	void everyNumberIsADouble() {
		assertThat(numbers(ServiceConfigMapper.toServiceConfig(client(concat(EVERY_FIELD, HEDGED_OTHER_ECHO)))))
			.hasSize(7)
			.allSatisfy((number) -> assertThat(number).isInstanceOf(Double.class));
	}

	@Test
	void statusCodesAreUpperCaseNamesEachOnce() {
		Map<String, Object> serviceConfig = ServiceConfigMapper.toServiceConfig(client(RETRY));
		assertThat(methodConfig(serviceConfig, 0)).extracting("retryPolicy")
			.extracting("retryableStatusCodes")
			.isEqualTo(List.of("UNAVAILABLE", "RESOURCE_EXHAUSTED"));
	}

	@Test
	void serviceWideNameHasOnlyTheService() {
		Map<String, Object> serviceConfig = ServiceConfigMapper.toServiceConfig(client(HEDGING));
		assertThat(methodConfig(serviceConfig, 0)).extracting("name")
			.isEqualTo(List.of(Map.of("service", "echo.Echo")));
	}

	@Test
	void entryWithoutNameIsTheDefaultMethodConfigOfOneEmptyName() {
		Map<String, Object> serviceConfig = ServiceConfigMapper
			.toServiceConfig(client(concat(HEDGING, "method-config[1].timeout=3s")));
		assertThat(methodConfig(serviceConfig, 1)).isEqualTo(Map.of("name", List.of(Map.of()), "timeout", "3s"));
	}

	@Test
	void clientWithoutMethodConfigOrThrottlingHasAnEmptyServiceConfig() {
		assertThat(ServiceConfigMapper.toServiceConfig(client("address=localhost:50051"))).isEmpty();
	}

	@Test
	void largestMaxAttemptsLooksAtRetryAndHedgingPolicies() {
		ClientProperties client = client(concat(RETRY, "method-config[1].name[0].service=other.Other",
				"method-config[1].hedging-policy.max-attempts=7", "method-config[1].hedging-policy.hedging-delay=0s"));
		assertThat(ServiceConfigMapper.largestMaxAttempts(client)).isEqualTo(7);
	}

	@Test
	void grpcJavaBuildsAChannelFromAConfigUsingEveryField() {
		Map<String, Object> serviceConfig = ServiceConfigMapper
			.toServiceConfig(client(concat(EVERY_FIELD, HEDGED_OTHER_ECHO)));
		assertThat(serviceConfig).containsKeys("methodConfig", "retryThrottling");
		buildAndShutDown(serviceConfig);
	}

	@Test
	void grpcJavaBuildsAChannelFromAHedgingConfig() {
		Map<String, Object> serviceConfig = ServiceConfigMapper.toServiceConfig(client(HEDGING));
		assertThat(methodConfig(serviceConfig, 0)).containsKey("hedgingPolicy");
		buildAndShutDown(serviceConfig);
	}

	@Test
	void grpcJavaRejectsAServiceConfigWithSpringDurationsAtBuild() {
		// Shows that building is a real check: the mapper's map, with one duration written Spring's way.
		Map<String, Object> serviceConfig = ServiceConfigMapper.toServiceConfig(client(RETRY));
		@SuppressWarnings("unchecked")
		Map<String, Object> retryPolicy = (Map<String, Object>) methodConfig(serviceConfig, 0).get("retryPolicy");
		retryPolicy.put("initialBackoff", "10ms");
		assertThatIllegalStateException().isThrownBy(() -> buildAndShutDown(serviceConfig))
			.withMessageContaining("Default config is invalid");
	}

	@Test
	void grpcJavaRetriesAsTheRetryPolicySays() {
		String name = "mapper-" + UUID.randomUUID();
		try (EchoTestServer server = EchoTestServer.inProcess(name, (n) -> Answer.fail(Status.Code.UNAVAILABLE))) {
			ManagedChannel channel = inProcessChannel(name, client(RETRY));
			try {
				assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> echo(channel, "hello"))
					.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
				assertThat(server.requests()).extracting(Request::previousAttempts).containsExactly(0, 1, 2, 3);
			}
			finally {
				channel.shutdownNow();
			}
		}
	}

	@Test
	void grpcJavaEndsTheCallAtTheTimeout() {
		String name = "mapper-" + UUID.randomUUID();
		try (EchoTestServer server = EchoTestServer.inProcess(name, (n) -> Answer.okAfter(Duration.ofSeconds(1)))) {
			ManagedChannel channel = inProcessChannel(name, client(concat(RETRY, ENTRY + "timeout=.1s")));
			try {
				long start = System.nanoTime();
				assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> echo(channel, "hello"))
					.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(900));
			}
			finally {
				channel.shutdownNow();
			}
		}
	}

	@Test
	void grpcJavaLimitsRequestsToMaxRequestMessageBytes() {
		// Over loopback: the in-process transport does not serialize messages, so it has nothing to measure.
		try (EchoTestServer server = EchoTestServer.onLoopback((n) -> Answer.ok())) {
			ManagedChannel channel = loopbackChannel(server,
					client(concat(RETRY, ENTRY + "max-request-message-bytes=10B")));
			try {
				// Connect first: a too large request on a channel still connecting hangs (grpc-java#12109).
				awaitReady(channel);
				assertThat(echo(channel, "hi")).isEqualTo("hi");
				assertThatExceptionOfType(StatusRuntimeException.class)
					.isThrownBy(() -> echo(channel, "a message longer than ten bytes"));
				assertThat(server.requests()).extracting(Request::message).containsExactly("hi");
			}
			finally {
				channel.shutdownNow();
			}
		}
	}

	@Test
	void grpcJavaLimitsResponsesToMaxResponseMessageBytes() {
		try (EchoTestServer server = EchoTestServer.onLoopback((n) -> Answer.ok())) {
			ManagedChannel channel = loopbackChannel(server,
					client(concat(RETRY, ENTRY + "max-response-message-bytes=10B")));
			try {
				assertThatExceptionOfType(StatusRuntimeException.class)
					.isThrownBy(() -> echo(channel, "a message longer than ten bytes"))
					.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
			}
			finally {
				channel.shutdownNow();
			}
		}
	}

	@Test
	void grpcJavaWaitsForReadyWhenTheMethodConfigSaysSo() {
		// No server under this name: without wait-for-ready the call fails at once with UNAVAILABLE.
		ManagedChannel channel = inProcessChannel("mapper-" + UUID.randomUUID(),
				client(concat(RETRY, ENTRY + "wait-for-ready=true")));
		try {
			EchoGrpc.EchoBlockingStub echo = EchoGrpc.newBlockingStub(channel)
				.withDeadlineAfter(200, TimeUnit.MILLISECONDS);
			assertThatExceptionOfType(StatusRuntimeException.class)
				.isThrownBy(() -> echo.unaryEcho(EchoRequest.newBuilder().setMessage("hello").build()))
				.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
		}
		finally {
			channel.shutdownNow();
		}
	}

	private static void buildAndShutDown(Map<String, Object> serviceConfig) {
		ManagedChannel channel = ManagedChannelBuilder.forTarget("dns:///localhost:50051")
			.defaultServiceConfig(serviceConfig)
			.enableRetry()
			.build();
		try {
			assertThat(channel.isShutdown()).isFalse();
		}
		finally {
			channel.shutdownNow();
		}
	}

	private static void awaitReady(ManagedChannel channel) {
		await().atMost(Duration.ofSeconds(5)).until(() -> channel.getState(true) == ConnectivityState.READY);
	}

	private static ManagedChannel inProcessChannel(String name, ClientProperties client) {
		return InProcessChannelBuilder.forName(name)
			.defaultServiceConfig(ServiceConfigMapper.toServiceConfig(client))
			.enableRetry()
			.build();
	}

	private static ManagedChannel loopbackChannel(EchoTestServer server, ClientProperties client) {
		return ManagedChannelBuilder.forTarget(server.address())
			.usePlaintext()
			.defaultServiceConfig(ServiceConfigMapper.toServiceConfig(client))
			.enableRetry()
			.build();
	}

	private static String echo(ManagedChannel channel, String message) {
		return EchoGrpc.newBlockingStub(channel)
			.unaryEcho(EchoRequest.newBuilder().setMessage(message).build())
			.getMessage();
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> methodConfig(Map<String, Object> serviceConfig, int index) {
		return ((List<Map<String, Object>>) serviceConfig.get("methodConfig")).get(index);
	}

	private static List<Object> numbers(Object json) {
		if (json instanceof Map<?, ?> map) {
			return map.values().stream().flatMap((value) -> numbers(value).stream()).toList();
		}
		if (json instanceof List<?> list) {
			return list.stream().flatMap((value) -> numbers(value).stream()).toList();
		}
		return (json instanceof Number) ? List.of(json) : List.of();
	}

	/**
	 * Binds one client's properties the way the application does.
	 * @param properties {@code key=value} pairs below {@code grpc.clients.echo}
	 * @return the bound client
	 */
	private static ClientProperties client(String... properties) {
		Map<String, String> source = new LinkedHashMap<>();
		for (String property : properties) {
			int equals = property.indexOf('=');
			source.put("grpc.clients.echo." + property.substring(0, equals), property.substring(equals + 1));
		}
		ApplicationConversionService conversionService = new ApplicationConversionService();
		conversionService.addConverter(new ServiceConfigDurationConverter());
		conversionService.addConverter(new FailureStatusCodeConverter());
		return new Binder(List.of(new MapConfigurationPropertySource(source)), PlaceholdersResolver.NONE,
				conversionService)
			.bind("grpc.clients.echo", ClientProperties.class)
			.get();
	}

	private static String[] concat(String[] properties, String... more) {
		return Stream.concat(Stream.of(properties), Stream.of(more)).toArray(String[]::new);
	}

}
