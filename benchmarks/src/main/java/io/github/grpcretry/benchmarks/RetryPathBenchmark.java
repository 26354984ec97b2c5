package io.github.grpcretry.benchmarks;

import java.util.concurrent.TimeUnit;

import io.github.grpcretry.benchmarks.echo.EchoGrpc;
import io.github.grpcretry.benchmarks.echo.EchoRequest;
import io.github.grpcretry.benchmarks.echo.EchoResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.micrometer.core.instrument.binder.grpc.ObservationGrpcClientInterceptor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What counting attempts costs where attempts happen: every call fails twice with {@code UNAVAILABLE} and succeeds
 * at its third attempt, in-process with direct executors and a backoff of one microsecond, through a plain
 * grpc-java channel ({@code raw}) and the starter's channel ({@code starter}) with the same service config, and
 * with tracing on (Micrometer Tracing over Brave, an in-memory reporter): the starter's channel, whose retries are
 * spans of their own ({@code starterTracing}), and a plain channel with Micrometer's gRPC call observation alone
 * ({@code micrometerTracing}). Run with {@code -prof gc} for the bytes allocated per call (three attempts).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
// The server decides by the number of requests it received, which follows each call's attempts only when calls
// never overlap; a call that did not end OK would throw and stop the run.
@Threads(1)
public class RetryPathBenchmark {

	private static final EchoRequest REQUEST = EchoRequest.newBuilder().setMessage("hello").build();

	// grpc-java draws each backoff at random below (1.83: around) this bound; the starter accepts 1 µs exactly.
	private static final String BACKOFF = "0.000001s";

	private static final int ATTEMPTS_PER_CALL = 3;

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private EchoBackend backend;

	private StarterChannels starterChannels;

	private ManagedChannel rawChannel;

	private EchoGrpc.EchoBlockingStub raw;

	private EchoGrpc.EchoBlockingStub starter;

	private final SimpleMeterRegistry tracedRegistry = new SimpleMeterRegistry();

	private InMemoryTracing starterTracing;

	private InMemoryTracing micrometerTracing;

	private StarterChannels tracedStarterChannels;

	private ManagedChannel micrometerTracingChannel;

	private EchoGrpc.EchoBlockingStub starterTracingStub;

	private EchoGrpc.EchoBlockingStub micrometerTracingStub;

	@Setup(Level.Trial)
	public void start() {
		this.backend = EchoBackend.scripted(Transport.INPROCESS,
				(n) -> (n % ATTEMPTS_PER_CALL == 0) ? Status.OK : Status.UNAVAILABLE);
		this.starterChannels = StarterChannels.start(
				StarterChannels.clientWithRetryPolicy("echo", this.backend.address(), BACKOFF),
				this.registry, true);
		this.rawChannel = this.backend.rawChannelBuilder()
			.enableRetry()
			.disableServiceConfigLookUp()
			.defaultServiceConfig(StarterChannels.serviceConfigWithRetryPolicy(BACKOFF))
			.build();
		this.raw = EchoGrpc.newBlockingStub(this.rawChannel);
		this.starter = EchoGrpc.newBlockingStub(this.starterChannels.channel("echo"));
		this.starterTracing = new InMemoryTracing();
		this.tracedStarterChannels = StarterChannels.start(
				StarterChannels.clientWithRetryPolicy("echo", this.backend.address(), BACKOFF), this.tracedRegistry,
				this.starterTracing.observationRegistry(), true);
		this.micrometerTracing = new InMemoryTracing();
		this.micrometerTracingChannel = this.backend.rawChannelBuilder()
			.enableRetry()
			.disableServiceConfigLookUp()
			.defaultServiceConfig(StarterChannels.serviceConfigWithRetryPolicy(BACKOFF))
			.intercept(new ObservationGrpcClientInterceptor(this.micrometerTracing.observationRegistry()))
			.build();
		this.starterTracingStub = EchoGrpc.newBlockingStub(this.tracedStarterChannels.channel("echo"));
		this.micrometerTracingStub = EchoGrpc.newBlockingStub(this.micrometerTracingChannel);
	}

	@TearDown(Level.Trial)
	public void stop() throws InterruptedException {
		long calls = StarterMeters.calls(this.registry, "echo");
		if (calls > 0) {
			// Three when every call was counted with its three attempts.
			System.err.printf("%nstarter counted %d calls, %.4f attempts per call%n", calls,
					(double) StarterMeters.attempts(this.registry, "echo") / calls);
		}
		long tracedCalls = StarterMeters.calls(this.tracedRegistry, "echo");
		if (tracedCalls > 0) {
			// Three when every call made its span and one per retry (the server is not traced).
			System.err.printf("%nstarterTracing: %d calls, %.4f spans per call%n", tracedCalls,
					(double) this.starterTracing.finishedSpans() / tracedCalls);
		}
		this.rawChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		this.micrometerTracingChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		this.starterChannels.close();
		this.tracedStarterChannels.close();
		this.starterTracing.close();
		this.micrometerTracing.close();
		this.backend.close();
	}

	@Benchmark
	public EchoResponse raw() {
		return this.raw.unaryEcho(REQUEST);
	}

	@Benchmark
	public EchoResponse starter() {
		return this.starter.unaryEcho(REQUEST);
	}

	@Benchmark
	public EchoResponse starterTracing() {
		return this.starterTracingStub.unaryEcho(REQUEST);
	}

	@Benchmark
	public EchoResponse micrometerTracing() {
		return this.micrometerTracingStub.unaryEcho(REQUEST);
	}

}
