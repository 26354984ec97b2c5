package io.github.grpcretry.benchmarks;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor under the starter's per-call cost: only the Micrometer recordings SPEC.md asks for on a call made in
 * one attempt (the attempt counter, the call timer, the three per-call summaries and the retry-delay timer, all
 * recorded, 0 included) and the two clock reads that time the call, on the same {@link SimpleMeterRegistry}, with
 * no gRPC at all. No implementation of those meters can cost less per call than this.
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

	private DistributionSummary retries;

	private DistributionSummary hedges;

	private DistributionSummary transparentRetries;

	private Timer retryDelay;

	@Setup
	public void registerMeters() {
		MeterRegistry registry = new SimpleMeterRegistry();
		this.clock = registry.config().clock();
		String[] tags = { "client", "echo", "method", "echo.Echo/UnaryEcho" };
		this.attempt = Counter.builder("grpc.client.attempts").tags(tags).tag("status", "OK").tag("kind", "initial")
			.register(registry);
		this.call = Timer.builder("grpc.client.calls").tags(tags).tag("status", "OK")
			.tag("outcome", "success_without_retry").register(registry);
		this.retries = DistributionSummary.builder("grpc.client.call.retries").tags(tags).register(registry);
		this.hedges = DistributionSummary.builder("grpc.client.call.hedges").tags(tags).register(registry);
		this.transparentRetries = DistributionSummary.builder("grpc.client.call.transparent_retries").tags(tags)
			.register(registry);
		this.retryDelay = Timer.builder("grpc.client.call.retry_delay").tags(tags).register(registry);
	}

	@Benchmark
	public void specMetersOfOneSingleAttemptCall() {
		long start = this.clock.monotonicTime();
		this.attempt.increment();
		this.call.record(this.clock.monotonicTime() - start, TimeUnit.NANOSECONDS);
		this.retries.record(0);
		this.hedges.record(0);
		this.transparentRetries.record(0);
		this.retryDelay.record(0, TimeUnit.NANOSECONDS);
	}

}
