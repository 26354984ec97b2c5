package io.github.grpcretry.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import brave.Tracing;
import brave.handler.MutableSpan;
import io.github.grpcretry.actuate.ClientFigures;
import io.github.grpcretry.actuate.GrpcClientDescriptor;
import io.github.grpcretry.autoconfigure.TracingTests.FinishedSpans;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpoint;
import io.github.grpcretry.internal.metrics.AttemptMetricsInterceptor;
import io.github.grpcretry.properties.Retries;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.test.echo.EchoResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ContextConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Why each call stopped ({@code retry_stop}), against real grpc-java servers that fail on purpose, each reason seen
 * three ways: the {@code grpc.client.calls} tag, the call span's attribute (Brave, wired as Spring Boot wires it), and
 * the {@code grpcclients} endpoint's count.
 */
class RetryStopTests {

	private static final String CLIENT = "grpc.clients.echo.";

	private static final String ENTRY_0 = CLIENT + "method-config[0].";

	private final FinishedSpans spans = new FinishedSpans();

	private final Tracing tracing = TracingTests.tracing(this.spans);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(GrpcRetryAutoConfiguration.class, GrpcClientsEndpointAutoConfiguration.class))
		.withInitializer((context) -> context.getEnvironment()
			.setConversionService(new ApplicationConversionService()))
		.withBean(SimpleMeterRegistry.class)
		.withBean(ObservationRegistry.class, () -> TracingTests.tracingObservationRegistry(this.tracing))
		.withPropertyValues(CLIENT + "negotiation-type=plaintext",
				"management.endpoints.web.exposure.include=grpcclients");

	@AfterEach
	void closeTracing() {
		this.tracing.close();
	}

	@Test
	void aCallThatSucceedsSucceeded() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.ok())) {
			run(server, retryPolicy(4, "1ms", "UNAVAILABLE"), (context) -> {
				unaryEcho(context);
				assertStops(context, "succeeded", 1);
			});
		}
	}

	@Test
	void aMethodThatNoEntryGovernsHasNoPolicy() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.fail(Status.Code.UNAVAILABLE))) {
			List<String> properties = new ArrayList<>(retryPolicy(4, "1ms", "UNAVAILABLE"));
			properties.add(ENTRY_0 + "name[0].method=UnaryEcho");
			run(server, properties, (context) -> {
				assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> EchoGrpc
					.newBlockingStub(channel(context))
					.otherEcho(EchoRequest.newBuilder().setMessage("other").build()));
				assertStops(context, "no_policy", 1);
				assertThat(server.requestCount()).isEqualTo(1);
				ClientFigures figures = figures(context);
				assertThat(figures.ungovernedCalls()).containsExactly(Map.entry("echo.Echo/OtherEcho", 1L));
				assertThat(figures.methodConfig()).singleElement().satisfies((entry) -> {
					assertThat(entry.names()).containsExactly("echo.Echo/UnaryEcho");
					assertThat(entry.governedCalls()).isZero();
					assertThat(entry.matchesNoCall()).isTrue();
				});
			});
		}
	}

	@Test
	void aServiceWithoutItsPackageIsWarnedOfOnceAndMarkedWhenTheStartUpCheckIsOff() {
		List<LogRecord> warnings = new CopyOnWriteArrayList<>();
		Handler capture = new Handler() {

			@Override
			public void publish(LogRecord record) {
				if (record.getLevel() == Level.WARNING && record.getMessage().contains("did you mean")) {
					warnings.add(record);
				}
			}

			@Override
			public void flush() {
			}

			@Override
			public void close() {
			}

		};
		Logger logger = Logger.getLogger(AttemptMetricsInterceptor.class.getName());
		logger.addHandler(capture);
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.fail(Status.Code.UNAVAILABLE))) {
			List<String> properties = new ArrayList<>(retryPolicy(4, "1ms", "UNAVAILABLE"));
			properties.set(0, ENTRY_0 + "name[0].service=Echo");
			properties.add(CLIENT + "check-method-names=false");
			run(server, properties, (context) -> {
				failingUnaryEcho(context, Status.Code.UNAVAILABLE);
				failingUnaryEcho(context, Status.Code.UNAVAILABLE);
				// The entry governed neither call: one attempt each, and one warning for both.
				assertThat(server.requestCount()).isEqualTo(2);
				assertStops(context, "no_policy", 2);
				assertThat(warnings).singleElement()
					.satisfies((warning) -> assertThat(warning.getMessage())
						.contains("grpc.clients.echo.method-config[0].name[0].service names 'Echo'")
						.contains("did you mean 'echo.Echo'?"));
				assertThat(figures(context).methodConfig()).singleElement().satisfies((entry) -> {
					assertThat(entry.matchesNoCall()).isTrue();
					assertThat(entry.didYouMean()).containsExactly(Map.entry("Echo", "echo.Echo"));
				});
				assertThat(figures(context).ungovernedCalls()).containsExactly(Map.entry("echo.Echo/UnaryEcho", 2L));
			});
		}
		finally {
			logger.removeHandler(capture);
		}
	}

	@Test
	void aStatusOutsideTheRetryableCodesIsNotRetryable() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.fail(Status.Code.INTERNAL))) {
			run(server, retryPolicy(4, "1ms", "UNAVAILABLE"), (context) -> {
				failingUnaryEcho(context, Status.Code.INTERNAL);
				assertStops(context, "status_not_retryable", 1);
				assertThat(server.requestCount()).isEqualTo(1);
				assertThat(figures(context).methodConfig()).singleElement().satisfies((entry) -> {
					assertThat(entry.names()).containsExactly("echo.Echo");
					assertThat(entry.policy()).isEqualTo("retry");
					assertThat(entry.governedCalls()).isEqualTo(1);
					assertThat(entry.matchesNoCall()).isFalse();
				});
			});
		}
	}

	@Test
	void attemptsUsedUpStopAtMaxAttempts() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.fail(Status.Code.UNAVAILABLE))) {
			run(server, retryPolicy(3, "1ms", "UNAVAILABLE"), (context) -> {
				failingUnaryEcho(context, Status.Code.UNAVAILABLE);
				assertStops(context, "max_attempts", 1);
				assertThat(server.requestCount()).isEqualTo(3);
			});
		}
	}

	@Test
	void aDeadlineTheServerSentIsJudgedByThePolicyNotTakenForTheClientsOwn() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.fail(Status.Code.DEADLINE_EXCEEDED))) {
			run(server, retryPolicy(2, "1ms", "DEADLINE_EXCEEDED"), (context) -> {
				failingUnaryEcho(context, Status.Code.DEADLINE_EXCEEDED);
				assertStops(context, "max_attempts", 1);
				assertThat(server.requestCount()).isEqualTo(2);
			});
		}
	}

	@Test
	void aResponseWhoseHeadersArrivedIsCommitted() {
		try (EchoTestServer server = EchoTestServer.onLoopback(
				(n) -> Answer.failAfterMessage(Status.Code.UNAVAILABLE))) {
			run(server, retryPolicy(4, "1ms", "UNAVAILABLE"), (context) -> {
				failingUnaryEcho(context, Status.Code.UNAVAILABLE);
				assertStops(context, "committed", 1);
				assertThat(server.requestCount()).isEqualTo(1);
			});
		}
	}

	@Test
	void aNegativePushbackStopsRetries() {
		try (EchoTestServer server = EchoTestServer.inProcess(
				(n) -> Answer.failWithPushback(Status.Code.UNAVAILABLE, "-1"))) {
			run(server, retryPolicy(4, "1ms", "UNAVAILABLE"), (context) -> {
				failingUnaryEcho(context, Status.Code.UNAVAILABLE);
				assertStops(context, "server_pushback", 1);
				assertThat(server.requestCount()).isEqualTo(1);
			});
		}
	}

	@Test
	void aDeadlineShorterThanTheBackoffEndsTheCall() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.fail(Status.Code.UNAVAILABLE))) {
			List<String> properties = new ArrayList<>(retryPolicy(4, "2s", "UNAVAILABLE"));
			properties.add(ENTRY_0 + "timeout=300ms");
			run(server, properties, (context) -> {
				failingUnaryEcho(context, Status.Code.DEADLINE_EXCEEDED);
				assertStops(context, "deadline_or_cancel", 1);
				assertThat(server.requestCount()).isEqualTo(1);
			});
		}
	}

	@Test
	void aDeadlineAfterTheResponseBeganEndsTheCallOnTheClientsSideNotByItsCommit() {
		try (EchoTestServer server = EchoTestServer.onLoopback((n) -> Answer.messageThenNever())) {
			List<String> properties = new ArrayList<>(retryPolicy(4, "1ms", "UNAVAILABLE"));
			properties.add(ENTRY_0 + "timeout=300ms");
			run(server, properties, (context) -> {
				failingUnaryEcho(context, Status.Code.DEADLINE_EXCEEDED);
				assertStops(context, "deadline_or_cancel", 1);
				assertThat(server.requestCount()).isEqualTo(1);
			});
		}
	}

	@Test
	void aCallTheApplicationCancelsEndsOnTheClientsSide() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.never())) {
			run(server, retryPolicy(4, "1ms", "UNAVAILABLE"), (context) -> {
				ClientCall<EchoRequest, EchoResponse> call = channel(context).newCall(EchoGrpc.getUnaryEchoMethod(),
						CallOptions.DEFAULT);
				Closed closed = new Closed();
				call.start(closed, new Metadata());
				call.sendMessage(EchoRequest.newBuilder().setMessage("cancelled").build());
				call.halfClose();
				call.request(1);
				await().atMost(Duration.ofSeconds(5))
					.untilAsserted(() -> assertThat(server.requestCount()).isEqualTo(1));
				call.cancel("the application gave up", null);
				await().atMost(Duration.ofSeconds(5)).until(() -> closed.status != null);
				assertStops(context, "deadline_or_cancel", 1);
			});
		}
	}

	@Test
	void aCallOnAChannelShutDownMakesNoAttemptAndEndsOnTheClientsSide() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.ok())) {
			run(server, retryPolicy(4, "1ms", "UNAVAILABLE"), (context) -> {
				channel(context).shutdownNow();
				failingUnaryEcho(context, Status.Code.UNAVAILABLE);
				assertStops(context, "deadline_or_cancel", 1);
				assertThat(server.requestCount()).isEqualTo(0);
			});
		}
	}

	@Test
	void aDrainedThrottleStopsRetries() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.fail(Status.Code.UNAVAILABLE))) {
			List<String> properties = new ArrayList<>(retryPolicy(5, "1ms", "UNAVAILABLE"));
			properties.add(CLIENT + "retry-throttling.max-tokens=10");
			properties.add(CLIENT + "retry-throttling.token-ratio=0.1");
			run(server, properties, (context) -> {
				for (int i = 0; i < 6; i++) {
					failingUnaryEcho(context, Status.Code.UNAVAILABLE);
				}
				// Tokens 10 -> 6 over the first call's 5 attempts; then each call's only attempt finds 5 or fewer.
				assertThat(server.requestCount()).isEqualTo(10);
				assertStops(context, "max_attempts", 1);
				assertStops(context, "throttled", 5);
			});
		}
	}

	@Test
	void aRequestOverTheRetryBufferIsCommitted() {
		try (EchoTestServer server = EchoTestServer.onLoopback((n) -> Answer.fail(Status.Code.UNAVAILABLE))) {
			List<String> properties = new ArrayList<>(retryPolicy(4, "1ms", "UNAVAILABLE"));
			properties.add(CLIENT + "per-rpc-buffer-limit=1KB");
			run(server, properties, (context) -> {
				assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> EchoGrpc
					.newBlockingStub(channel(context))
					.unaryEcho(EchoRequest.newBuilder().setMessage("x".repeat(2048)).build()));
				assertStops(context, "retry_buffer", 1);
				assertThat(server.requestCount()).isEqualTo(1);
				// A request under the limit is retried as usual.
				failingUnaryEcho(context, Status.Code.UNAVAILABLE);
				assertStops(context, "max_attempts", 1);
			});
		}
	}

	@Test
	void retriesTurnedOffStopEveryCallAtItsFirstAttempt() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.fail(Status.Code.UNAVAILABLE))) {
			List<String> properties = new ArrayList<>(retryPolicy(4, "1ms", "UNAVAILABLE"));
			properties.add(CLIENT + "retries=off");
			run(server, properties, (context) -> {
				failingUnaryEcho(context, Status.Code.UNAVAILABLE);
				assertStops(context, "retries_off", 1);
				assertThat(server.requestCount()).isEqualTo(1);
			});
		}
	}

	@Test
	void theIncidentSwitchStopsEveryCallAtItsFirstAttempt() {
		try (EchoTestServer server = EchoTestServer.onLoopback((n) -> Answer.fail(Status.Code.UNAVAILABLE))) {
			List<String> properties = new ArrayList<>(retryPolicy(4, "1ms", "UNAVAILABLE"));
			properties.add("management.endpoint.grpcclients.access=unrestricted");
			run(server, properties, (context) -> {
				context.getBean(GrpcClientsEndpoint.class).switchRetries("echo", Retries.OFF);
				failingUnaryEcho(context, Status.Code.UNAVAILABLE);
				assertStops(context, "retries_off", 1);
				assertThat(server.requestCount()).isEqualTo(1);
			});
		}
	}

	@Test
	void hedgesUsedUpStopAtMaxAttemptsAndAFatalStatusIsNotRetryable() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> (n <= 3) ? Answer.fail(Status.Code.UNAVAILABLE)
				: Answer.fail(Status.Code.INTERNAL))) {
			List<String> properties = List.of(ENTRY_0 + "name[0].service=echo.Echo",
					ENTRY_0 + "hedging-policy.max-attempts=3", ENTRY_0 + "hedging-policy.hedging-delay=10ms",
					ENTRY_0 + "hedging-policy.non-fatal-status-codes=UNAVAILABLE");
			run(server, properties, (context) -> {
				failingUnaryEcho(context, Status.Code.UNAVAILABLE);
				assertStops(context, "max_attempts", 1);
				failingUnaryEcho(context, Status.Code.INTERNAL);
				assertStops(context, "status_not_retryable", 1);
				assertThat(server.requestCount()).isEqualTo(4);
			});
		}
	}

	@Test
	void underHedgingAFatalStatusStopsTheCallWhateverThePushback() {
		try (EchoTestServer server = EchoTestServer.inProcess(
				(n) -> Answer.failWithPushback(Status.Code.INTERNAL, "0"))) {
			List<String> properties = List.of(ENTRY_0 + "name[0].service=echo.Echo",
					ENTRY_0 + "hedging-policy.max-attempts=3", ENTRY_0 + "hedging-policy.hedging-delay=1s",
					ENTRY_0 + "hedging-policy.non-fatal-status-codes=UNAVAILABLE");
			run(server, properties, (context) -> {
				failingUnaryEcho(context, Status.Code.INTERNAL);
				// grpc-java's makeHedgingDecision: fatal, so no more hedges, though a retry policy would retry.
				assertThat(server.requestCount()).isEqualTo(1);
				assertStops(context, "status_not_retryable", 1);
			});
		}
	}

	private void run(EchoTestServer server, List<String> properties,
			ContextConsumer<AssertableApplicationContext> test) {
		List<String> all = new ArrayList<>(properties);
		all.add(CLIENT + "address=" + server.address());
		this.contextRunner.withPropertyValues(all.toArray(String[]::new)).run(test);
	}

	private static List<String> retryPolicy(int maxAttempts, String backoff, String codes) {
		return List.of(ENTRY_0 + "name[0].service=echo.Echo", ENTRY_0 + "retry-policy.max-attempts=" + maxAttempts,
				ENTRY_0 + "retry-policy.initial-backoff=" + backoff, ENTRY_0 + "retry-policy.max-backoff=" + backoff,
				ENTRY_0 + "retry-policy.backoff-multiplier=1",
				ENTRY_0 + "retry-policy.retryable-status-codes=" + codes);
	}

	/** The reason, as the meter's tag, the call spans' attribute and the endpoint count it. */
	private void assertStops(AssertableApplicationContext context, String reason, long calls) {
		Meters meters = new Meters(context.getBean(MeterRegistry.class));
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(meters.calls("retry_stop", reason)).isEqualTo(calls));
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(this.spans.all().stream()
				.filter((span) -> span.name().startsWith("echo.Echo/"))
				.map((MutableSpan span) -> span.tag("grpc.retry_stop"))
				.filter(reason::equals)).hasSize((int) calls));
		assertThat(figures(context).callsByRetryStop()).containsEntry(reason, calls);
	}

	private static ClientFigures figures(AssertableApplicationContext context) {
		GrpcClientDescriptor client = context.getBean(GrpcClientsEndpoint.class).client("echo");
		assertThat(client).isNotNull();
		ClientFigures figures = client.figures();
		assertThat(figures).isNotNull();
		return figures;
	}

	private static ManagedChannel channel(AssertableApplicationContext context) {
		return context.getBean("echoManagedChannel", ManagedChannel.class);
	}

	private static void unaryEcho(AssertableApplicationContext context) {
		EchoGrpc.newBlockingStub(channel(context)).unaryEcho(EchoRequest.newBuilder().setMessage("echo").build());
	}

	private static void failingUnaryEcho(AssertableApplicationContext context, Status.Code code) {
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> unaryEcho(context))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(code));
	}

	private static final class Closed extends ClientCall.Listener<EchoResponse> {

		volatile Status status;

		@Override
		public void onClose(Status status, Metadata trailers) {
			this.status = status;
		}

	}

}
