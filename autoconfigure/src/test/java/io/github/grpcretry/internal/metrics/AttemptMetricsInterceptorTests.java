package io.github.grpcretry.internal.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.PerCallSummaries;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.test.echo.EchoResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

/**
 * The meters of {@link AttemptMetricsInterceptor}, without Spring: a channel built by hand against a grpc-java server
 * in-process, and the meters and tags the SPEC names, exactly.
 */
class AttemptMetricsInterceptorTests {

	private final MeterRegistry registry = new SimpleMeterRegistry();

	private EchoTestServer server;

	private ManagedChannel channel;

	@AfterEach
	void shutDown() throws InterruptedException {
		if (this.channel != null) {
			this.channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
		if (this.server != null) {
			this.server.close();
		}
	}

	@Test
	void everyAttemptIsCountedWithClientMethodStatusAndKind() {
		start(EchoTestServer.failAllButEvery(3), retryPolicy(4, "0.01s"));
		echo("hi");
		assertThat(this.server.requestCount()).isEqualTo(3);
		assertThat(byTags("grpc.client.attempts", Counter::count)).containsOnly(
				entry("client=echo,kind=initial,method=echo.Echo/UnaryEcho,status=UNAVAILABLE", 1.0),
				entry("client=echo,kind=retry,method=echo.Echo/UnaryEcho,status=UNAVAILABLE", 1.0),
				entry("client=echo,kind=retry,method=echo.Echo/UnaryEcho,status=OK", 1.0));
	}

	@Test
	void eachMethodHasItsOwnMethodTag() {
		start((n) -> Answer.ok(), retryPolicy(4, "0.01s"));
		echo("hi");
		EchoGrpc.newBlockingStub(this.channel).otherEcho(EchoRequest.newBuilder().setMessage("other").build());
		assertThat(byTags("grpc.client.attempts", Counter::count)).containsOnly(
				entry("client=echo,kind=initial,method=echo.Echo/UnaryEcho,status=OK", 1.0),
				entry("client=echo,kind=initial,method=echo.Echo/OtherEcho,status=OK", 1.0));
	}

	@Test
	void callSucceedingAtFirstAttemptIsSuccessWithoutRetry() {
		start((n) -> Answer.ok(), retryPolicy(4, "0.01s"));
		echo("hi");
		assertThat(byTags("grpc.client.calls", Timer::count))
			.containsOnly(
					entry("client=echo,method=echo.Echo/UnaryEcho,outcome=success_without_retry"
							+ ",retry_stop=succeeded,status=OK", 1.0));
	}

	@Test
	void callSucceedingAfterRetryIsSuccessWithRetry() {
		start(EchoTestServer.failAllButEvery(2), retryPolicy(4, "0.01s"));
		echo("hi");
		assertThat(byTags("grpc.client.calls", Timer::count))
			.containsOnly(
					entry("client=echo,method=echo.Echo/UnaryEcho,outcome=success_with_retry"
							+ ",retry_stop=succeeded,status=OK", 1.0));
	}

	@Test
	void callFailingWithCodeThatIsNotRetryableIsFailedWithoutRetry() {
		start((n) -> Answer.fail(Status.Code.INTERNAL), retryPolicy(4, "0.01s"));
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> echo("hi"));
		assertThat(this.server.requestCount()).isEqualTo(1);
		assertThat(byTags("grpc.client.calls", Timer::count)).containsOnly(
				entry("client=echo,method=echo.Echo/UnaryEcho,outcome=failed_without_retry"
						+ ",retry_stop=status_not_retryable,status=INTERNAL", 1.0));
	}

	@Test
	void callFailingAfterEveryAttemptIsFailedWithRetry() {
		start((n) -> Answer.fail(Status.Code.UNAVAILABLE), retryPolicy(3, "0.01s"));
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> echo("hi"));
		assertThat(this.server.requestCount()).isEqualTo(3);
		assertThat(byTags("grpc.client.calls", Timer::count)).containsOnly(
				entry("client=echo,method=echo.Echo/UnaryEcho,outcome=failed_with_retry"
						+ ",retry_stop=max_attempts,status=UNAVAILABLE", 1.0));
	}

	@Test
	void retriesHedgesAndTransparentRetriesAreRecordedOnlyForCallsThatMadeThem() {
		// Request 1 succeeds at once; requests 2 to 4 are one call that retries twice.
		start((n) -> (n == 1 || n == 4) ? Answer.ok() : Answer.fail(Status.Code.UNAVAILABLE),
				retryPolicy(4, "0.01s"));
		echo("without retry");
		echo("with two retries");
		String tags = "client=echo,method=echo.Echo/UnaryEcho";
		assertThat(byTags("grpc.client.call.retries", DistributionSummary::count)).containsOnly(entry(tags, 1.0));
		assertThat(byTags("grpc.client.call.retries", DistributionSummary::totalAmount))
			.containsOnly(entry(tags, 2.0));
		assertThat(byTags("grpc.client.call.retries", DistributionSummary::max)).containsOnly(entry(tags, 2.0));
		assertThat(byTags("grpc.client.call.hedges", DistributionSummary::count)).containsOnly(entry(tags, 0.0));
		assertThat(byTags("grpc.client.call.transparent_retries", DistributionSummary::count))
			.containsOnly(entry(tags, 0.0));
		assertThat(byTags("grpc.client.call.retry_delay", Timer::count)).containsOnly(entry(tags, 2.0));
		PerCallSummaries.assertMatchAttempts(this.registry);
	}

	@Test
	void methodsBuiltAtRunTimeShareTheMethodTagOther() {
		start((n) -> Answer.ok(), retryPolicy(4, "0.01s"));
		MethodDescriptor<EchoRequest, EchoResponse> generated = EchoGrpc.getUnaryEchoMethod();
		for (int i = 0; i < 100; i++) {
			// As a generic client or proxy builds them: not generated, so not sampled to local tracing.
			MethodDescriptor<EchoRequest, EchoResponse> method = MethodDescriptor
				.newBuilder(generated.getRequestMarshaller(), generated.getResponseMarshaller())
				.setType(MethodDescriptor.MethodType.UNARY)
				.setFullMethodName((i == 0) ? generated.getFullMethodName() : "echo.Echo/Dynamic" + i)
				.build();
			try {
				ClientCalls.blockingUnaryCall(this.channel, method,
						CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
						EchoRequest.newBuilder().setMessage("dynamic " + i).build());
			}
			catch (StatusRuntimeException ex) {
				assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
			}
		}
		echo("generated");
		assertThat(this.registry.getMeters()).extracting((meter) -> meter.getId().getTag("method"))
			.containsOnly("other", "echo.Echo/UnaryEcho");
		assertThat(byTags("grpc.client.attempts", Counter::count)).containsOnly(
				entry("client=echo,kind=initial,method=other,status=OK", 1.0),
				entry("client=echo,kind=initial,method=other,status=UNIMPLEMENTED", 99.0),
				entry("client=echo,kind=initial,method=echo.Echo/UnaryEcho,status=OK", 1.0));
		assertThat(byTags("grpc.client.call.retry_delay", Timer::count)).containsOnly(
				entry("client=echo,method=other", 100.0), entry("client=echo,method=echo.Echo/UnaryEcho", 1.0));
	}

	@Test
	void hedgedAttemptIsCountedAsHedge() {
		// The first attempt answers late, so the hedge sent after 50ms wins and the first is cancelled. Told apart by
		// grpc-java's attempt header, not by arrival: on a loaded machine the hedge may reach the server first.
		startByRequest((request) -> (request.previousAttempts() == 0) ? Answer.okAfter(Duration.ofMillis(1000))
				: Answer.ok(), hedgingPolicy(2, "0.05s"));
		echo("hedged");
		assertThat(this.server.requestCount()).isEqualTo(2);
		await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(5))
			.until(() -> sum("grpc.client.attempts", Counter::count) == 2);
		assertThat(byTags("grpc.client.attempts", Counter::count)).containsOnly(
				entry("client=echo,kind=initial,method=echo.Echo/UnaryEcho,status=CANCELLED", 1.0),
				entry("client=echo,kind=hedge,method=echo.Echo/UnaryEcho,status=OK", 1.0));
		assertThat(byTags("grpc.client.call.hedges", DistributionSummary::totalAmount))
			.containsOnly(entry("client=echo,method=echo.Echo/UnaryEcho", 1.0));
		assertThat(byTags("grpc.client.call.retries", DistributionSummary::totalAmount))
			.containsOnly(entry("client=echo,method=echo.Echo/UnaryEcho", 0.0));
		assertThat(byTags("grpc.client.calls", Timer::count))
			.containsOnly(
					entry("client=echo,method=echo.Echo/UnaryEcho,outcome=success_with_retry"
							+ ",retry_stop=succeeded,status=OK", 1.0));
		PerCallSummaries.assertMatchAttempts(this.registry);
	}

	@Test
	void retryDelayOfCallWithoutRetryIsZero() {
		start((n) -> Answer.ok(), retryPolicy(4, "0.05s"));
		echo("hi");
		Timer retryDelay = this.registry.get("grpc.client.call.retry_delay").timer();
		assertThat(tags(retryDelay)).isEqualTo("client=echo,method=echo.Echo/UnaryEcho");
		assertThat(retryDelay.count()).isEqualTo(1);
		assertThat(retryDelay.totalTime(TimeUnit.NANOSECONDS)).isZero();
	}

	@Test
	void retryDelayOfCallWithBackoffIsTimeWithNoAttemptInFlight() {
		start(EchoTestServer.failAllButEvery(3), retryPolicy(4, "0.05s"));
		echo("hi");
		Timer retryDelay = this.registry.get("grpc.client.call.retry_delay").timer();
		Timer call = this.registry.get("grpc.client.calls").timer();
		assertThat(retryDelay.count()).isEqualTo(1);
		assertThat(retryDelay.totalTime(TimeUnit.NANOSECONDS)).isPositive()
			.isLessThan(call.totalTime(TimeUnit.NANOSECONDS));
	}

	@Test
	void metersAreRegisteredOnceAndReused() {
		start(EchoTestServer.failAllButEvery(2), retryPolicy(4, "0.01s"));
		echo("first");
		List<Meter> meters = List.copyOf(this.registry.getMeters());
		for (int i = 0; i < 50; i++) {
			echo("again " + i);
		}
		assertThat(this.registry.getMeters()).containsExactlyInAnyOrderElementsOf(meters);
		assertThat(this.registry.get("grpc.client.attempts").tag("kind", "retry").counter().count()).isEqualTo(51);
	}

	@Test
	void callsSucceedWhenEveryMeterIsDenied() {
		this.registry.config().meterFilter(MeterFilter.deny());
		start(EchoTestServer.failAllButEvery(2), retryPolicy(4, "0.01s"));
		for (int i = 0; i < 3; i++) {
			assertThat(echo("hi " + i)).isEqualTo("hi " + i);
		}
		assertThat(this.server.requestCount()).isEqualTo(6);
		assertThat(this.registry.getMeters()).isEmpty();
	}

	private void start(IntFunction<Answer> script, Map<String, ?> methodConfig) {
		startOn(EchoTestServer.inProcess(script), methodConfig);
	}

	private void startByRequest(Function<EchoTestServer.Request, Answer> script, Map<String, ?> methodConfig) {
		startOn(EchoTestServer.inProcessByRequest(script), methodConfig);
	}

	private void startOn(EchoTestServer server, Map<String, ?> methodConfig) {
		this.server = server;
		this.channel = this.server.channelBuilder()
			.enableRetry()
			.defaultServiceConfig(Map.of("methodConfig", List.of(methodConfig)))
			.intercept(new AttemptMetricsInterceptor(this.registry, "echo",
					Map.of("methodConfig", List.of(methodConfig))))
			.build();
	}

	private String echo(String message) {
		return EchoGrpc.newBlockingStub(this.channel)
			.withDeadlineAfter(10, TimeUnit.SECONDS)
			.unaryEcho(EchoRequest.newBuilder().setMessage(message).build())
			.getMessage();
	}

	static Map<String, ?> retryPolicy(int maxAttempts, String backoff) {
		return Map.of("name", List.of(Map.of("service", "echo.Echo")), "retryPolicy",
				Map.of("maxAttempts", (double) maxAttempts, "initialBackoff", backoff, "maxBackoff", backoff,
						"backoffMultiplier", 1.0, "retryableStatusCodes", List.of("UNAVAILABLE")));
	}

	private static Map<String, ?> hedgingPolicy(int maxAttempts, String delay) {
		return Map.of("name", List.of(Map.of("service", "echo.Echo")), "hedgingPolicy",
				Map.of("maxAttempts", (double) maxAttempts, "hedgingDelay", delay));
	}

	/** Every meter of a name, by its tags written {@code key=value,...} in key order, to one of its values. */
	private <M extends Meter> Map<String, Double> byTags(String name, ToDoubleFunction<M> value) {
		@SuppressWarnings("unchecked")
		Map<String, Double> byTags = this.registry.find(name)
			.meters()
			.stream()
			.collect(Collectors.toMap(AttemptMetricsInterceptorTests::tags, (meter) -> value.applyAsDouble((M) meter)));
		return byTags;
	}

	private <M extends Meter> double sum(String name, ToDoubleFunction<M> value) {
		return byTags(name, value).values().stream().mapToDouble(Double::doubleValue).sum();
	}

	private static String tags(Meter meter) {
		return meter.getId()
			.getTags()
			.stream()
			.map((tag) -> tag.getKey() + "=" + tag.getValue())
			.collect(Collectors.joining(","));
	}

}
