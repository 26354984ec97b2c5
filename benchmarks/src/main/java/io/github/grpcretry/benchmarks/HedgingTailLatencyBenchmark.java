package io.github.grpcretry.benchmarks;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.github.grpcretry.benchmarks.echo.EchoGrpc;
import io.github.grpcretry.benchmarks.echo.EchoRequest;
import io.github.grpcretry.benchmarks.echo.EchoResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * What hedging buys: a loopback server answers in about 1 ms, but 1 request in 50 takes 200 ms. Sequential calls
 * through a starter client without a policy ({@code noPolicy}) and through one with a hedging policy of 2 attempts
 * ({@code hedging}, delay {@code hedgingDelay}); JMH's sample mode reports p50, p99 and p99.9 of the call latency.
 * The extra load, attempts per call as the starter's own counters give it, is printed when each run ends.
 *
 * <p>Which requests are slow is a seeded pseudo-random draw per request the server receives, by its arrival number:
 * every request, hedges included, is slow with probability 1/50 independently of the others, as a garbage
 * collection pause or a cold cache would make it, and the server sees the same sequence in every run. A plain
 * counter (every 50th request) would flatter hedging: the hedge of a slow request would arrive as the next request
 * and could never be slow itself.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 10)
@Measurement(iterations = 5, time = 10)
@Fork(1)
@Threads(1)
public class HedgingTailLatencyBenchmark {

	private static final EchoRequest REQUEST = EchoRequest.newBuilder().setMessage("hello").build();

	private static final long FAST_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	private static final long SLOW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

	private static final int SLOW_ONE_IN = 50;

	private static final long SEED = 20240601L;

	// Far more requests than a run makes (under 1000 a second); the draw repeats past it.
	private static final int DRAWN_REQUESTS = 1 << 22;

	/** The starter's {@code hedging-delay}: about the 95th percentile of a normal answer here (1 ms plus loopback). */
	@Param({ "2ms" })
	public String hedgingDelay;

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private EchoBackend backend;

	private StarterChannels starterChannels;

	private EchoGrpc.EchoBlockingStub noPolicy;

	private EchoGrpc.EchoBlockingStub hedging;

	// The client this run calls: each benchmark method runs in a trial of its own, and calls the client of its name.
	private String client;

	// Null until the first measurement iteration.
	private @Nullable Counts atMeasurementStart;

	@Setup(Level.Trial)
	public void start(BenchmarkParams benchmark) {
		this.client = benchmark.getBenchmark().substring(benchmark.getBenchmark().lastIndexOf('.') + 1);
		BitSet slow = slowRequests();
		this.backend = EchoBackend.delayed(Transport.NETTY,
				(n) -> slow.get(n % DRAWN_REQUESTS) ? SLOW_NANOS : FAST_NANOS);
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.putAll(StarterChannels.client("noPolicy", this.backend.address()));
		properties.putAll(
				StarterChannels.clientWithHedgingPolicy("hedging", this.backend.address(), 2, this.hedgingDelay));
		this.starterChannels = StarterChannels.start(properties, this.registry, false);
		this.noPolicy = EchoGrpc.newBlockingStub(this.starterChannels.channel("noPolicy"));
		this.hedging = EchoGrpc.newBlockingStub(this.starterChannels.channel("hedging"));
	}

	private static BitSet slowRequests() {
		SplittableRandom random = new SplittableRandom(SEED);
		BitSet slow = new BitSet(DRAWN_REQUESTS);
		for (int n = 0; n < DRAWN_REQUESTS; n++) {
			if (random.nextInt(SLOW_ONE_IN) == 0) {
				slow.set(n);
			}
		}
		return slow;
	}

	@Setup(Level.Iteration)
	public void markMeasurementStart(IterationParams iteration) {
		if (iteration.getType() == IterationType.MEASUREMENT && this.atMeasurementStart == null) {
			this.atMeasurementStart = counts();
		}
	}

	@TearDown(Level.Trial)
	public void stop() throws InterruptedException {
		Counts start = this.atMeasurementStart;
		// None for a run without measurement iterations (-i 0).
		if (start != null) {
			printMeasured(counts().minus(start));
		}
		System.err.println("grpc.client.attempts of the whole run, warm-up included:");
		this.registry.find("grpc.client.attempts")
			.tag("client", this.client)
			.counters()
			.forEach((counter) -> System.err.printf("  kind=%-8s status=%-10s %8.0f%n", counter.getId().getTag("kind"),
					counter.getId().getTag("status"), counter.count()));
		this.starterChannels.close();
		this.backend.close();
	}

	private void printMeasured(Counts measured) {
		System.err.printf("%nclient '%s', measurement iterations: %d calls; %d attempts counted by the starter "
				+ "(%.4f per call); the server saw %d calls start (%.4f per call) and handled %d requests "
				+ "(%.4f per call)%n", this.client, measured.calls(), measured.attempts(),
				(double) measured.attempts() / measured.calls(), measured.streamsStarted(),
				(double) measured.streamsStarted() / measured.calls(), measured.requests(),
				(double) measured.requests() / measured.calls());
	}

	private Counts counts() {
		return new Counts(StarterMeters.calls(this.registry, this.client),
				StarterMeters.attempts(this.registry, this.client), this.backend.streamsStarted(),
				this.backend.requests());
	}

	@Benchmark
	public EchoResponse noPolicy() {
		return this.noPolicy.unaryEcho(REQUEST);
	}

	@Benchmark
	public EchoResponse hedging() {
		return this.hedging.unaryEcho(REQUEST);
	}

	private record Counts(long calls, long attempts, long streamsStarted, long requests) {

		Counts minus(Counts earlier) {
			return new Counts(this.calls - earlier.calls, this.attempts - earlier.attempts,
					this.streamsStarted - earlier.streamsStarted, this.requests - earlier.requests);
		}

	}

}
