package io.github.grpcretry.internal.metrics;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.test.echo.EchoResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link AttemptMetricsInterceptor} records for one call whose attempts start, are sent and end in a given
 * order, without a transport: the events are those grpc-java delivers (a tracer per attempt from the factory the
 * interceptor puts on the call, {@code outboundHeaders} when an attempt is sent, {@code streamClosed} when it ends,
 * then the call's {@code onClose}), including orders that grpc-java 1.83 produces rarely or hides, and time is a
 * {@link MockClock} moved by hand.
 */
class AttemptLifecycleTests {

	private static final Duration TEN_MS = Duration.ofMillis(10);

	private final MockClock clock = new MockClock();

	private final MeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, this.clock);

	private final Meters meters = new Meters(this.registry);

	private final AttemptMetricsInterceptor interceptor = new AttemptMetricsInterceptor(this.registry, "echo");

	@Test
	void callIsRecordedOnlyOnceItsLosingHedgeHasEnded() {
		Call call = new Call();
		ClientStreamTracer initial = call.initial();
		initial.outboundHeaders();
		ClientStreamTracer hedge = call.hedge(1);
		hedge.outboundHeaders();
		hedge.streamClosed(Status.OK);
		call.close(Status.Code.OK);
		assertThat(this.meters.calls()).isZero();
		initial.streamClosed(Status.CANCELLED);
		assertThat(this.meters.calls("outcome", "success_with_retry", "status", "OK")).isEqualTo(1);
		assertThat(this.meters.calls()).isEqualTo(1);
		assertThat(this.meters.attempts("kind", "initial", "status", "CANCELLED")).isEqualTo(1);
		assertThat(this.meters.attempts("kind", "hedge", "status", "OK")).isEqualTo(1);
		assertThat(this.meters.total("grpc.client.call.hedges")).isEqualTo(1);
		assertThat(this.meters.recordedCalls("grpc.client.call.hedges")).isEqualTo(1);
	}

	@Test
	void callIsRecordedWhenItClosesAfterItsLastAttemptEnded() {
		Call call = new Call();
		ClientStreamTracer initial = call.initial();
		initial.outboundHeaders();
		initial.streamClosed(Status.OK);
		assertThat(this.meters.calls()).isZero();
		call.close(Status.Code.OK);
		assertThat(this.meters.calls("outcome", "success_without_retry", "status", "OK")).isEqualTo(1);
		assertThat(this.meters.attempts("kind", "initial", "status", "OK")).isEqualTo(1);
	}

	@Test
	void hedgeClosedBeforeItsHeadersAreHeardOfIsCountedOnce() {
		Call call = new Call();
		ClientStreamTracer initial = call.initial();
		initial.outboundHeaders();
		ClientStreamTracer hedge = call.hedge(1);
		initial.streamClosed(Status.OK);
		// Netty's order for a stream cancelled while its headers were being written: closed, then sent.
		hedge.streamClosed(Status.CANCELLED);
		hedge.outboundHeaders();
		call.close(Status.Code.OK);
		assertThat(this.meters.calls("outcome", "success_with_retry", "status", "OK")).isEqualTo(1);
		assertThat(this.meters.attempts("kind", "hedge", "status", "CANCELLED")).isEqualTo(1);
		assertThat(this.meters.total("grpc.client.call.hedges")).isEqualTo(1);
	}

	@Test
	void retryWhoseBackoffTheCallDidNotOutliveIsNotCounted() {
		Call call = new Call();
		ClientStreamTracer initial = call.initial();
		initial.outboundHeaders();
		initial.streamClosed(Status.UNAVAILABLE);
		// grpc-java creates the retry's tracer when it schedules the retry; the deadline comes before the backoff ends.
		call.retry(1);
		call.close(Status.Code.DEADLINE_EXCEEDED);
		assertThat(this.meters.attempts()).isEqualTo(1);
		assertThat(this.meters.attempts("kind", "retry")).isZero();
		assertThat(this.meters.recordedCalls("grpc.client.call.retries")).isZero();
		assertThat(this.meters.calls("outcome", "failed_without_retry", "status", "DEADLINE_EXCEEDED")).isEqualTo(1);
	}

	@Test
	void retryStartedAfterItsBackoffAndCancelledAtOnceIsCounted() {
		Call call = new Call();
		ClientStreamTracer initial = call.initial();
		initial.outboundHeaders();
		initial.streamClosed(Status.UNAVAILABLE);
		// The backoff ended as the call was cancelled: grpc-java starts the retry and cancels it before its headers.
		call.retry(1).streamClosed(Status.CANCELLED);
		call.close(Status.Code.CANCELLED);
		assertThat(this.meters.attempts("kind", "retry", "status", "CANCELLED")).isEqualTo(1);
		assertThat(this.meters.total("grpc.client.call.retries")).isEqualTo(1);
		assertThat(this.meters.calls("outcome", "failed_with_retry", "status", "CANCELLED")).isEqualTo(1);
	}

	@Test
	void retryDelayIncludesTheBackoffInWhichTheCallWasCancelled() {
		Call call = new Call();
		ClientStreamTracer initial = call.initial();
		initial.outboundHeaders();
		this.clock.add(TEN_MS);
		initial.streamClosed(Status.UNAVAILABLE);
		call.retry(1);
		this.clock.add(Duration.ofMillis(100));
		call.close(Status.Code.CANCELLED);
		assertThat(retryDelay().count()).isEqualTo(1);
		assertThat(retryDelay().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(100);
	}

	@Test
	void retryDelayIsTheTimeWithNoAttemptInFlight() {
		Call call = new Call();
		ClientStreamTracer initial = call.initial();
		initial.outboundHeaders();
		this.clock.add(TEN_MS);
		ClientStreamTracer firstHedge = call.hedge(1);
		firstHedge.outboundHeaders();
		this.clock.add(TEN_MS);
		initial.streamClosed(Status.UNAVAILABLE);
		this.clock.add(TEN_MS);
		firstHedge.streamClosed(Status.UNAVAILABLE);
		this.clock.add(Duration.ofMillis(15));
		ClientStreamTracer secondHedge = call.hedge(2);
		secondHedge.outboundHeaders();
		this.clock.add(TEN_MS);
		secondHedge.streamClosed(Status.OK);
		call.close(Status.Code.OK);
		assertThat(retryDelay().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(15);
		assertThat(this.meters.total("grpc.client.call.hedges")).isEqualTo(2);
	}

	@Test
	void initialAttemptSentAfterAHedgeFailedEndsTheWaitWithoutGoingNegative() {
		Call call = new Call();
		// The initial attempt waits for a connection while the hedge, created later, is sent and fails first.
		ClientStreamTracer initial = call.initial();
		this.clock.add(TEN_MS);
		ClientStreamTracer hedge = call.hedge(1);
		hedge.outboundHeaders();
		this.clock.add(TEN_MS);
		hedge.streamClosed(Status.UNAVAILABLE);
		this.clock.add(Duration.ofMillis(30));
		initial.outboundHeaders();
		this.clock.add(TEN_MS);
		initial.streamClosed(Status.OK);
		call.close(Status.Code.OK);
		assertThat(retryDelay().count()).isEqualTo(1);
		assertThat(retryDelay().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(30);
	}

	@Test
	void waitBeforeTheFirstAttemptIsSentIsNotRetryDelay() {
		Call call = new Call();
		ClientStreamTracer initial = call.initial();
		this.clock.add(Duration.ofMillis(50));
		initial.outboundHeaders();
		this.clock.add(TEN_MS);
		initial.streamClosed(Status.OK);
		call.close(Status.Code.OK);
		assertThat(retryDelay().count()).isEqualTo(1);
		assertThat(retryDelay().totalTime(TimeUnit.NANOSECONDS)).isZero();
		assertThat(this.registry.get("grpc.client.calls").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(60);
	}

	@Test
	void attemptThatFailedBeforeItWasSentIsCountedAndDoesNotInterruptTheWait() {
		Call call = new Call();
		ClientStreamTracer initial = call.initial();
		initial.outboundHeaders();
		initial.streamClosed(Status.UNAVAILABLE);
		this.clock.add(TEN_MS);
		// No connection: the retry fails inside its start, with no headers sent.
		call.retry(1).streamClosed(Status.UNAVAILABLE);
		this.clock.add(TEN_MS);
		ClientStreamTracer secondRetry = call.retry(2);
		secondRetry.outboundHeaders();
		secondRetry.streamClosed(Status.OK);
		call.close(Status.Code.OK);
		assertThat(this.meters.attempts("kind", "retry", "status", "UNAVAILABLE")).isEqualTo(1);
		assertThat(this.meters.attempts("kind", "retry", "status", "OK")).isEqualTo(1);
		assertThat(this.meters.total("grpc.client.call.retries")).isEqualTo(2);
		assertThat(retryDelay().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(20);
	}

	@Test
	void attemptFirstHeardOfAfterItsCallWasRecordedIsNotCounted() {
		Call call = new Call();
		ClientStreamTracer initial = call.initial();
		initial.outboundHeaders();
		initial.streamClosed(Status.UNAVAILABLE);
		ClientStreamTracer retry = call.retry(1);
		call.close(Status.Code.CANCELLED);
		// Not seen with grpc-java 1.83: the call's summaries are recorded, so the attempt is left out of every meter.
		retry.outboundHeaders();
		retry.streamClosed(Status.CANCELLED);
		assertThat(this.meters.attempts("kind", "retry")).isZero();
		assertThat(this.meters.total("grpc.client.call.retries")).isZero();
		assertThat(this.meters.calls()).isEqualTo(1);
	}

	@Test
	void transparentRetryIsCountedApartAndIsNotARetry() {
		Call call = new Call();
		call.initial().streamClosed(Status.UNAVAILABLE);
		ClientStreamTracer transparentRetry = call.attempt(0, false, true);
		transparentRetry.outboundHeaders();
		transparentRetry.streamClosed(Status.OK);
		call.close(Status.Code.OK);
		assertThat(this.meters.attempts("kind", "transparent_retry", "status", "OK")).isEqualTo(1);
		assertThat(this.meters.total("grpc.client.call.transparent_retries")).isEqualTo(1);
		assertThat(this.meters.recordedCalls("grpc.client.call.retries")).isZero();
		assertThat(this.meters.calls("outcome", "success_without_retry")).isEqualTo(1);
	}

	@Test
	void callClosedTwiceIsRecordedOnce() {
		Call call = new Call();
		ClientStreamTracer initial = call.initial();
		initial.outboundHeaders();
		initial.streamClosed(Status.OK);
		call.close(Status.Code.OK);
		call.close(Status.Code.OK);
		assertThat(this.meters.calls()).isEqualTo(1);
		assertThat(retryDelay().count()).isEqualTo(1);
	}

	@Test
	void retriedCallIsRecordedWhileAnotherThreadLocksItsTracerFactory() throws InterruptedException {
		Call call = new Call();
		// grpc-java hands the factory to whoever holds the call's options: any code can lock it, for as long as it
		// likes, and the call's attempts must not wait for that.
		ClientStreamTracer.Factory factory = call.tracerFactory();
		CountDownLatch locked = new CountDownLatch(1);
		CountDownLatch unlock = new CountDownLatch(1);
		Thread holder = new Thread(() -> {
			synchronized (factory) {
				locked.countDown();
				awaitQuietly(unlock);
			}
		});
		holder.start();
		try {
			locked.await();
			CompletableFuture<Void> events = CompletableFuture.runAsync(() -> {
				ClientStreamTracer initial = call.initial();
				initial.outboundHeaders();
				initial.streamClosed(Status.UNAVAILABLE);
				ClientStreamTracer retry = call.retry(1);
				retry.outboundHeaders();
				retry.streamClosed(Status.OK);
				call.close(Status.Code.OK);
			});
			assertThat(events).succeedsWithin(Duration.ofSeconds(5));
		}
		finally {
			unlock.countDown();
			holder.join();
		}
		assertThat(this.meters.calls("outcome", "success_with_retry", "status", "OK")).isEqualTo(1);
		assertThat(this.meters.total("grpc.client.call.retries")).isEqualTo(1);
	}

	@Test
	void firstCallsOfAMethodDoNotWaitForEachOtherToRegisterItsMeters() {
		// A meter filter of the application's that, the first time it maps a meter, waits for a call of the same
		// method on another thread: one that looks a tag up through the very channel, say.
		AtomicBoolean first = new AtomicBoolean(true);
		CompletableFuture<Boolean> otherCallStarted = new CompletableFuture<>();
		this.registry.config().meterFilter(new MeterFilter() {

			@Override
			public Meter.Id map(Meter.Id id) {
				if (first.compareAndSet(true, false)) {
					CompletableFuture<Void> other = CompletableFuture.runAsync(Call::new);
					otherCallStarted.complete(finishesWithin(other, Duration.ofSeconds(5)));
				}
				return id;
			}

		});
		Call call = new Call();
		assertThat(otherCallStarted).as("the other call went on while the first registered the meters")
			.isCompletedWithValue(true);
		ClientStreamTracer initial = call.initial();
		initial.outboundHeaders();
		initial.streamClosed(Status.OK);
		call.close(Status.Code.OK);
		assertThat(this.meters.calls("outcome", "success_without_retry", "status", "OK")).isEqualTo(1);
	}

	private static boolean finishesWithin(CompletableFuture<?> future, Duration timeout) {
		try {
			future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			return true;
		}
		catch (TimeoutException ex) {
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException(ex.getCause());
		}
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private Timer retryDelay() {
		return this.registry.get("grpc.client.call.retry_delay").timer();
	}

	/**
	 * One call through the interceptor, driven as grpc-java drives it: attempts from the tracer factory the
	 * interceptor put on the call's options, and the close the interceptor's listener hears.
	 */
	private final class Call {

		private CallOptions callOptions;

		private ClientCall.Listener<EchoResponse> listener;

		Call() {
			MethodDescriptor<EchoRequest, EchoResponse> method = EchoGrpc.getUnaryEchoMethod();
			ClientCall<EchoRequest, EchoResponse> call = AttemptLifecycleTests.this.interceptor.interceptCall(method,
					CallOptions.DEFAULT, new Channel() {

						@Override
						@SuppressWarnings("unchecked")
						public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> descriptor,
								CallOptions options) {
							Call.this.callOptions = options;
							return (ClientCall<Q, R>) new ListenerCapture();
						}

						@Override
						public String authority() {
							return "echo";
						}

					});
			call.start(new ClientCall.Listener<>() {
			}, new Metadata());
		}

		ClientStreamTracer.Factory tracerFactory() {
			assertThat(this.callOptions.getStreamTracerFactories()).hasSize(1);
			return this.callOptions.getStreamTracerFactories().get(0);
		}

		ClientStreamTracer initial() {
			return attempt(0, false, false);
		}

		ClientStreamTracer retry(int previousAttempts) {
			return attempt(previousAttempts, false, false);
		}

		ClientStreamTracer hedge(int previousAttempts) {
			return attempt(previousAttempts, true, false);
		}

		ClientStreamTracer attempt(int previousAttempts, boolean hedging, boolean transparentRetry) {
			ClientStreamTracer.StreamInfo info = ClientStreamTracer.StreamInfo.newBuilder()
				.setCallOptions(this.callOptions)
				.setPreviousAttempts(previousAttempts)
				.setIsHedging(hedging)
				.setIsTransparentRetry(transparentRetry)
				.build();
			return tracerFactory().newClientStreamTracer(info, new Metadata());
		}

		void close(Status.Code code) {
			this.listener.onClose(Status.fromCode(code), new Metadata());
		}

		/** The channel's side of the call: it keeps the listener the interceptor starts it with. */
		private final class ListenerCapture extends ClientCall<EchoRequest, EchoResponse> {

			@Override
			public void start(Listener<EchoResponse> responseListener, Metadata headers) {
				Call.this.listener = responseListener;
			}

			@Override
			public void request(int numMessages) {
			}

			@Override
			public void cancel(String message, Throwable cause) {
			}

			@Override
			public void halfClose() {
			}

			@Override
			public void sendMessage(EchoRequest message) {
			}

		}

	}

}
