package io.github.grpcretry.internal.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.cumulative.CumulativeCounter;
import io.micrometer.core.instrument.cumulative.CumulativeDistributionSummary;
import io.micrometer.core.instrument.cumulative.CumulativeTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Metrics never break a call: when a meter or the registry throws, {@link AttemptMetricsInterceptor} lets every call
 * complete as it would without metrics, against a grpc-java server in-process, and says so once per client in
 * its log.
 */
class MeterFailureTests {

	/** Far beyond a call's deadline: a call still blocked by then never gets its close. */
	private static final Duration HANG = Duration.ofSeconds(10);

	private final List<LogRecord> logged = new CopyOnWriteArrayList<>();

	private final Logger log = Logger.getLogger(AttemptMetricsInterceptor.class.getName());

	private final Handler capture = new Handler() {

		@Override
		public void publish(LogRecord record) {
			MeterFailureTests.this.logged.add(record);
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

	};

	private final EchoTestServer server = EchoTestServer.inProcess(EchoTestServer.failAllButEvery(2));

	private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

	MeterFailureTests() {
		this.log.addHandler(this.capture);
	}

	@AfterEach
	void shutDown() throws InterruptedException {
		this.log.removeHandler(this.capture);
		for (ManagedChannel channel : this.channels) {
			channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
		this.server.close();
	}

	@Test
	void callReturnsWhenRecordingTheCallThrows() {
		MeterRegistry registry = new SimpleMeterRegistry();
		registry.config().meterFilter(failingToRegister("grpc.client.calls"));
		EchoGrpc.EchoBlockingStub echo = echo(channel(registry, "echo"));
		assertThat(assertTimeoutPreemptively(HANG, () -> call(echo, "hi"))).isEqualTo("hi");
		assertThat(this.server.requestCount()).isEqualTo(2);
		// The meters that work still count.
		assertThat(new Meters(registry).attempts()).isEqualTo(2);
	}

	@Test
	void callReturnsWhenCountingAnAttemptThrows() {
		MeterRegistry registry = new SimpleMeterRegistry();
		registry.config().meterFilter(failingToRegister("grpc.client.attempts"));
		EchoGrpc.EchoBlockingStub echo = echo(channel(registry, "echo"));
		assertThat(assertTimeoutPreemptively(HANG, () -> call(echo, "hi"))).isEqualTo("hi");
		assertThat(this.server.requestCount()).isEqualTo(2);
		assertThat(new Meters(registry).calls("outcome", "success_with_retry")).isEqualTo(1);
	}

	@Test
	void callIsMadeWhenRegisteringTheMethodsMetersThrows() {
		MeterRegistry registry = new SimpleMeterRegistry();
		registry.config().meterFilter(failingToRegister("grpc.client.call.retry_delay"));
		EchoGrpc.EchoBlockingStub echo = echo(channel(registry, "echo"));
		assertThat(assertTimeoutPreemptively(HANG, () -> call(echo, "hi"))).isEqualTo("hi");
		assertThat(this.server.requestCount()).isEqualTo(2);
	}

	@Test
	void callsReturnWhenEveryMeterThrowsWhenItRecords() {
		MeterRegistry registry = new FailingToRecordRegistry();
		EchoGrpc.EchoBlockingStub echo = echo(channel(registry, "echo"));
		for (int i = 0; i < 3; i++) {
			String message = "hi " + i;
			assertThat(assertTimeoutPreemptively(HANG, () -> call(echo, message))).isEqualTo(message);
		}
		assertThat(this.server.requestCount()).isEqualTo(6);
	}

	@Test
	void failureIsLoggedOncePerClient() {
		MeterRegistry registry = new FailingToRecordRegistry();
		EchoGrpc.EchoBlockingStub first = echo(channel(registry, "first"));
		EchoGrpc.EchoBlockingStub second = echo(channel(registry, "second"));
		for (int i = 0; i < 3; i++) {
			String message = "hi " + i;
			assertThat(assertTimeoutPreemptively(HANG, () -> call(first, message))).isEqualTo(message);
			assertThat(assertTimeoutPreemptively(HANG, () -> call(second, message))).isEqualTo(message);
		}
		assertThat(this.logged).hasSize(2).allSatisfy((record) -> {
			assertThat(record.getLevel()).isEqualTo(Level.WARNING);
			assertThat(record.getThrown()).isInstanceOf(IllegalStateException.class).hasMessage("broken meter");
		});
		assertThat(this.logged).extracting(LogRecord::getMessage)
			.anySatisfy((message) -> assertThat(message).contains("'first'"))
			.anySatisfy((message) -> assertThat(message).contains("'second'"));
	}

	private ManagedChannel channel(MeterRegistry registry, String client) {
		ManagedChannel channel = this.server.channelBuilder()
			.enableRetry()
			.defaultServiceConfig(
					Map.of("methodConfig", List.of(AttemptMetricsInterceptorTests.retryPolicy(4, "0.01s"))))
			.intercept(new AttemptMetricsInterceptor(registry, client))
			.build();
		this.channels.add(channel);
		return channel;
	}

	private static EchoGrpc.EchoBlockingStub echo(ManagedChannel channel) {
		return EchoGrpc.newBlockingStub(channel);
	}

	private static String call(EchoGrpc.EchoBlockingStub echo, String message) {
		return echo.withDeadlineAfter(3, TimeUnit.SECONDS)
			.unaryEcho(EchoRequest.newBuilder().setMessage(message).build())
			.getMessage();
	}

	private static MeterFilter failingToRegister(String name) {
		return new MeterFilter() {

			@Override
			public Meter.Id map(Meter.Id id) {
				if (id.getName().equals(name)) {
					throw new IllegalStateException("broken filter");
				}
				return id;
			}

		};
	}

	/** A registry whose every counter, timer and distribution summary throws when it is given a value. */
	private static final class FailingToRecordRegistry extends SimpleMeterRegistry {

		@Override
		protected Counter newCounter(Meter.Id id) {
			return new CumulativeCounter(id) {

				@Override
				public void increment(double amount) {
					throw new IllegalStateException("broken meter");
				}

			};
		}

		@Override
		protected Timer newTimer(Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
			return new CumulativeTimer(id, this.clock, config, pauseDetector, getBaseTimeUnit()) {

				@Override
				protected void recordNonNegative(long amount, TimeUnit unit) {
					throw new IllegalStateException("broken meter");
				}

			};
		}

		@Override
		protected DistributionSummary newDistributionSummary(Meter.Id id, DistributionStatisticConfig config,
				double scale) {
			return new CumulativeDistributionSummary(id, this.clock, config, scale) {

				@Override
				protected void recordNonNegative(double amount) {
					throw new IllegalStateException("broken meter");
				}

			};
		}

	}

}
