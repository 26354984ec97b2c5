package io.github.grpcretry.benchmarks;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor under the starter's per-call cost: only the Micrometer recordings SPEC.md asks for on a call made in
 * one attempt (the attempt counter, the call timer and the retry-delay timer; the per-call retry, hedge and
 * transparent-retry summaries record nothing for it, as in gRFC A96) and the two clock reads that time the call, on
 * each kind of registry of {@code InstrumentationOverheadBenchmark}, with no gRPC at all. No implementation of
 * those meters can cost less per call than this.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SpecMetersFloorBenchmark {

	private Clock clock;

	private Counter attempt;

	private Timer call;

	private Timer retryDelay;

	/** {@code simple}, or {@code prometheus}, what most users scrape. */
	@Param({ "simple", "prometheus" })
	public String registry;

	@Setup
	public void registerMeters() {
		MeterRegistry registry = RegistryKind.of(this.registry).newRegistry();
		this.clock = registry.config().clock();
		String[] tags = { "client", "echo", "method", "echo.Echo/UnaryEcho" };
		this.attempt = Counter.builder("grpc.client.attempts").tags(tags).tag("status", "OK").tag("kind", "initial")
			.register(registry);
		this.call = Timer.builder("grpc.client.calls").tags(tags).tag("status", "OK")
			.tag("outcome", "success_without_retry").register(registry);
		this.retryDelay = Timer.builder("grpc.client.call.retry_delay").tags(tags).register(registry);
	}

	@Benchmark
	public void specMetersOfOneSingleAttemptCall() {
		long start = this.clock.monotonicTime();
		this.attempt.increment();
		this.call.record(this.clock.monotonicTime() - start, TimeUnit.NANOSECONDS);
		this.retryDelay.record(0, TimeUnit.NANOSECONDS);
	}

}
