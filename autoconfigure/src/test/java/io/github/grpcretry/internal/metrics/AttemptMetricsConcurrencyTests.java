package io.github.grpcretry.internal.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.PerCallSummaries;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link AttemptMetricsInterceptor} under concurrency, without Spring: the attempts counted are the attempts the
 * server received, none counted twice, and the calls counted are the calls made.
 */
class AttemptMetricsConcurrencyTests {

	private static final int CALLS = 500;

	private static final int THREADS = 16;

	@Test
	void concurrentCallsWithRetriesAreCountedExactly() throws Exception {
		MeterRegistry registry = new SimpleMeterRegistry();
		Meters meters = new Meters(registry);
		try (EchoTestServer server = EchoTestServer
			.inProcess((n) -> (n % 3 == 0) ? Answer.fail(Status.Code.UNAVAILABLE) : Answer.ok())) {
			ManagedChannel channel = server.channelBuilder()
				.enableRetry()
				.defaultServiceConfig(Map.of("methodConfig",
						List.of(AttemptMetricsInterceptorTests.retryPolicy(5, "0.001s"))))
				.intercept(new AttemptMetricsInterceptor(registry, "echo"))
				.build();
			ExecutorService threads = Executors.newFixedThreadPool(THREADS);
			try {
				int succeeded = callConcurrently(channel, threads);
				// Attempt counters are incremented on gRPC's threads; wait, boundedly, until they reach the server's.
				await().atMost(Duration.ofSeconds(5))
					.pollInterval(Duration.ofMillis(5))
					.until(() -> meters.attempts() >= server.requestCount());
				int received = server.requestCount();
				long retriesReceived = server.requests().stream().filter((r) -> r.previousAttempts() > 0).count();
				assertThat(received).isGreaterThan(CALLS);
				assertThat(meters.attempts()).isEqualTo(received);
				assertThat(meters.attempts("kind", "initial")).isEqualTo(CALLS);
				assertThat(meters.attempts("kind", "retry")).isEqualTo(retriesReceived);
				assertThat(meters.attempts("status", "UNAVAILABLE")).isEqualTo(received / 3);
				assertThat(meters.calls()).isEqualTo(CALLS);
				assertThat(meters.calls("status", "OK")).isEqualTo(succeeded);
				assertThat(meters.calls("outcome", "success_with_retry") + meters.calls("outcome", "failed_with_retry"))
					.isEqualTo(countCallsThatRetried(server));
				assertThat(meters.recordedCalls("grpc.client.call.retries")).isEqualTo(countCallsThatRetried(server));
				assertThat(meters.total("grpc.client.call.retries")).isEqualTo(retriesReceived);
				PerCallSummaries.assertMatchAttempts(registry);
			}
			finally {
				threads.shutdownNow();
				channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void concurrentHedgedCallsAreEachRecordedOnceWithTheHedgesTheyMade() throws Exception {
		MeterRegistry registry = new SimpleMeterRegistry();
		Meters meters = new Meters(registry);
		// Answers take 0 to 3ms, so that hedges sent 1ms apart win, lose and get cancelled on every thread at once.
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.okAfter(Duration.ofMillis(n % 4)))) {
			ManagedChannel channel = server.channelBuilder()
				.enableRetry()
				.defaultServiceConfig(Map.of("methodConfig", List.of(Map.of("name",
						List.of(Map.of("service", "echo.Echo")), "hedgingPolicy",
						Map.of("maxAttempts", 3.0, "hedgingDelay", "0.001s")))))
				.intercept(new AttemptMetricsInterceptor(registry, "echo"))
				.build();
			ExecutorService threads = Executors.newFixedThreadPool(THREADS);
			try {
				assertThat(callConcurrently(channel, threads)).isEqualTo(CALLS);
				// A call is recorded once its last attempt, a losing hedge maybe, has ended.
				await().atMost(Duration.ofSeconds(5))
					.pollInterval(Duration.ofMillis(5))
					.until(() -> meters.calls() >= CALLS);
				assertThat(meters.calls()).isEqualTo(CALLS);
				assertThat(meters.attempts("kind", "initial")).isEqualTo(CALLS);
				assertThat(meters.attempts("kind", "hedge")).isPositive();
				assertThat(meters.attempts()).isGreaterThanOrEqualTo(server.requestCount());
				assertThat(meters.recordedCalls("grpc.client.call.hedges"))
					.isEqualTo(meters.calls("outcome", "success_with_retry"));
				assertThat(meters.recordedCalls("grpc.client.call.retries")).isZero();
				PerCallSummaries.assertMatchAttempts(registry);
			}
			finally {
				threads.shutdownNow();
				channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
			}
		}
	}

	private static int callConcurrently(ManagedChannel channel, ExecutorService threads) throws Exception {
		EchoGrpc.EchoBlockingStub echo = EchoGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
		CountDownLatch start = new CountDownLatch(1);
		List<Future<Boolean>> calls = new ArrayList<>();
		for (int i = 0; i < CALLS; i++) {
			String message = "call " + i;
			calls.add(threads.submit(() -> {
				start.await();
				try {
					return echo.unaryEcho(EchoRequest.newBuilder().setMessage(message).build())
						.getMessage()
						.equals(message);
				}
				catch (StatusRuntimeException ex) {
					return false;
				}
			}));
		}
		start.countDown();
		int succeeded = 0;
		for (Future<Boolean> call : calls) {
			if (call.get(30, TimeUnit.SECONDS)) {
				succeeded++;
			}
		}
		return succeeded;
	}

	/** The calls whose message the server received more than once. */
	private static long countCallsThatRetried(EchoTestServer server) {
		return server.requests()
			.stream()
			.filter((request) -> request.previousAttempts() > 0)
			.map(EchoTestServer.Request::message)
			.distinct()
			.count();
	}

}
