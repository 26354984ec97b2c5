package io.github.grpcretry.internal.metrics;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.PerCallSummaries;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.test.echo.EchoResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Calls that end during a retry's backoff, by their deadline or a cancel, through a real grpc-java channel and
 * in-process server: grpc-java has already created the retry's tracer then, but the retry is never sent, so it is not
 * counted, and the backoff the call ended in is retry delay. The meters' clock is a {@link MockClock} that the test
 * moves, so the retry delays are exact.
 */
class CallEndingDuringBackoffTests {

	/** Longer than any test runs: the retry it delays is never sent. */
	private static final String ENDLESS_BACKOFF = "60s";

	private static final String UNARY_ECHO = EchoGrpc.getUnaryEchoMethod().getFullMethodName();

	private final MockClock clock = new MockClock();

	private final MeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, this.clock);

	private final Meters meters = new Meters(this.registry);

	private final AtomicInteger unaryEchoRequests = new AtomicInteger();

	/** What the server does once it has failed a {@code UnaryEcho} request. */
	private volatile Runnable afterFailing = () -> {
	};

	private final String serverName = "backoff-" + UUID.randomUUID();

	private final Server server;

	private ManagedChannel channel;

	CallEndingDuringBackoffTests() throws IOException {
		EchoGrpc.EchoImplBase echo = new EchoGrpc.EchoImplBase() {

			@Override
			public void unaryEcho(EchoRequest request, StreamObserver<EchoResponse> responses) {
				CallEndingDuringBackoffTests.this.unaryEchoRequests.incrementAndGet();
				// In-process, the client's attempt has ended (its tracer closed) by the time onError returns.
				responses.onError(Status.UNAVAILABLE.asRuntimeException());
				CallEndingDuringBackoffTests.this.afterFailing.run();
			}

			@Override
			public void otherEcho(EchoRequest request, StreamObserver<EchoResponse> responses) {
				responses.onNext(EchoResponse.newBuilder().setMessage(request.getMessage()).build());
				responses.onCompleted();
			}

		};
		this.server = InProcessServerBuilder.forName(this.serverName).directExecutor().addService(echo).build().start();
	}

	@AfterEach
	void shutDown() throws InterruptedException {
		if (this.channel != null) {
			this.channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
		this.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
	}

	@Test
	void callReachingItsDeadlineDuringABackoffMadeNoRetryAndWaitedUntilItsDeadline() {
		EchoGrpc.EchoBlockingStub echo = EchoGrpc.newBlockingStub(channel(retryPolicy(ENDLESS_BACKOFF, null)));
		warmUp(echo);
		this.afterFailing = () -> this.clock.add(Duration.ofMillis(250));
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> echo.withDeadlineAfter(1500, TimeUnit.MILLISECONDS).unaryEcho(request("hi")))
			.extracting((ex) -> ex.getStatus().getCode())
			.isEqualTo(Status.Code.DEADLINE_EXCEEDED);
		assertThat(this.unaryEchoRequests).hasValue(1);
		assertThat(this.meters.attempts("method", UNARY_ECHO)).isEqualTo(1);
		assertThat(this.meters.attempts("method", UNARY_ECHO, "kind", "initial", "status", "UNAVAILABLE")).isEqualTo(1);
		assertThat(this.meters.recordedCalls("grpc.client.call.retries")).isZero();
		assertThat(this.meters.calls("method", UNARY_ECHO, "outcome", "failed_without_retry", "status",
				"DEADLINE_EXCEEDED"))
			.isEqualTo(1);
		assertThat(retryDelay().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(250);
		PerCallSummaries.assertMatchAttempts(this.registry);
	}

	@Test
	void callCancelledDuringABackoffMadeNoRetryAndWaitedUntilCancelled() throws Exception {
		EchoGrpc.EchoFutureStub echo = EchoGrpc.newFutureStub(channel(retryPolicy(ENDLESS_BACKOFF, null)));
		CountDownLatch failed = new CountDownLatch(1);
		this.afterFailing = failed::countDown;
		Future<EchoResponse> call = echo.unaryEcho(request("hi"));
		assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();
		this.clock.add(Duration.ofMillis(100));
		call.cancel(true);
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(this.meters.calls()).isEqualTo(1));
		assertThat(this.unaryEchoRequests).hasValue(1);
		assertThat(this.meters.attempts()).isEqualTo(1);
		assertThat(this.meters.attempts("kind", "retry")).isZero();
		assertThat(this.meters.recordedCalls("grpc.client.call.retries")).isZero();
		assertThat(this.meters.calls("outcome", "failed_without_retry", "status", "CANCELLED")).isEqualTo(1);
		assertThat(retryDelay().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(100);
		PerCallSummaries.assertMatchAttempts(this.registry);
	}

	@Test
	void callsEndingByTheirTimeoutCountTheRetriesTheyMadeAndNoOther() throws Exception {
		// The case: a 300ms timeout over 100ms backoffs ends most calls while their next retry waits.
		EchoGrpc.EchoFutureStub echo = EchoGrpc.newFutureStub(channel(retryPolicy("0.1s", "0.3s")));
		List<Future<EchoResponse>> calls = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			calls.add(echo.unaryEcho(request("call " + i)));
		}
		for (Future<EchoResponse> call : calls) {
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> call.get(10, TimeUnit.SECONDS))
				.havingCause()
				.isInstanceOfSatisfying(StatusRuntimeException.class,
						(ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
		}
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(this.meters.calls()).isEqualTo(20));
		assertThat(this.meters.attempts("kind", "initial")).isEqualTo(20);
		assertThat(this.meters.attempts("kind", "retry")).isPositive()
			.isGreaterThanOrEqualTo(this.unaryEchoRequests.get() - 20);
		PerCallSummaries.assertMatchAttempts(this.registry);
	}

	private ManagedChannel channel(Map<String, ?> methodConfig) {
		this.channel = InProcessChannelBuilder.forName(this.serverName)
			.enableRetry()
			.defaultServiceConfig(Map.of("methodConfig", List.of(methodConfig)))
			.intercept(new AttemptMetricsInterceptor(this.registry, "echo"))
			.build();
		return this.channel;
	}

	/** The first call of a JVM loads classes for longer than a deadline; this one does it on the method not failing. */
	private static void warmUp(EchoGrpc.EchoBlockingStub echo) {
		assertThat(echo.otherEcho(request("warm-up")).getMessage()).isEqualTo("warm-up");
	}

	private Timer retryDelay() {
		return this.registry.get("grpc.client.call.retry_delay").tag("method", UNARY_ECHO).timer();
	}

	private static Map<String, ?> retryPolicy(String backoff, String timeout) {
		Map<String, Object> retryPolicy = Map.of("maxAttempts", 5.0, "initialBackoff", backoff, "maxBackoff",
				backoff, "backoffMultiplier", 1.0, "retryableStatusCodes", List.of("UNAVAILABLE"));
		Map<String, Object> methodConfig = new HashMap<>();
		methodConfig.put("name", List.of(Map.of("service", "echo.Echo", "method", "UnaryEcho")));
		methodConfig.put("retryPolicy", retryPolicy);
		if (timeout != null) {
			methodConfig.put("timeout", timeout);
		}
		return methodConfig;
	}

	private static EchoRequest request(String message) {
		return EchoRequest.newBuilder().setMessage(message).build();
	}

}
