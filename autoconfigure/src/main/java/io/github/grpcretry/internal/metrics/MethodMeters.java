package io.github.grpcretry.internal.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.grpc.Status;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * The meters of one method of one client, each registered once: the attempt counters and call timers on first
 * use of their (kind or outcome, status) pair, so that the hot path only indexes an array. With them, what a call
 * needs to record: the registry's clock, the client's totals, counted with the meters, and where a failing meter is
 * reported.
 */
final class MethodMeters {

	static final String ATTEMPTS = "grpc.client.attempts";

	static final String CALLS = "grpc.client.calls";

	static final String RETRIES = "grpc.client.call.retries";

	static final String HEDGES = "grpc.client.call.hedges";

	static final String TRANSPARENT_RETRIES = "grpc.client.call.transparent_retries";

	static final String RETRY_DELAY = "grpc.client.call.retry_delay";

	private static final Status.Code[] CODES = Status.Code.values();

	private final MeterRegistry registry;

	private final Tags tags;

	final Clock clock;

	private final MeterFailureLog failures;

	private final ClientTotals totals;

	private final AtomicReferenceArray<Counter> attempts;

	private final AtomicReferenceArray<Timer> calls;

	final DistributionSummary retries;

	final DistributionSummary hedges;

	final DistributionSummary transparentRetries;

	final Timer retryDelay;

	MethodMeters(MeterRegistry registry, String client, String method, MeterFailureLog failures,
			ClientTotals totals) {
		this.registry = registry;
		this.tags = Tags.of("client", client, "method", method);
		this.clock = registry.config().clock();
		this.failures = failures;
		this.totals = totals;
		this.attempts = new AtomicReferenceArray<>(AttemptKind.values().length * CODES.length);
		this.calls = new AtomicReferenceArray<>(CallOutcome.values().length * CODES.length);
		this.retries = perCall(RETRIES, "Retries a call made under its retry policy, for calls that made any");
		this.hedges = perCall(HEDGES, "Hedged attempts a call made beyond its first, for calls that made any");
		this.transparentRetries = perCall(TRANSPARENT_RETRIES,
				"Attempts gRPC repeated by itself because they never reached the server's application, "
						+ "for calls that made any");
		this.retryDelay = Timer.builder(RETRY_DELAY)
			.description("Time a call spent after its first attempt with no attempt in flight, "
					+ "the wait in which it ended included")
			.tags(this.tags)
			.register(registry);
	}

	void attemptEnded(AttemptKind kind, Status.Code code) {
		int index = kind.ordinal() * CODES.length + code.ordinal();
		Counter counter = this.attempts.get(index);
		if (counter == null) {
			counter = Counter.builder(ATTEMPTS)
				.description("Finished attempts of calls, by why they were made and how they ended")
				.tags(this.tags)
				.tag("status", code.name())
				.tag("kind", kind.tagValue())
				.register(this.registry);
			this.attempts.set(index, counter);
		}
		counter.increment();
		this.totals.attemptCounted(kind);
	}

	void recordCall(CallOutcome outcome, Status.Code code, long durationNanos) {
		int index = outcome.ordinal() * CODES.length + code.ordinal();
		Timer timer = this.calls.get(index);
		if (timer == null) {
			timer = Timer.builder(CALLS)
				.description("Finished calls, by status and by whether a retry or hedge took part")
				.tags(this.tags)
				.tag("status", code.name())
				.tag("outcome", outcome.tagValue())
				.register(this.registry);
			this.calls.set(index, timer);
		}
		timer.record(durationNanos, TimeUnit.NANOSECONDS);
		this.totals.callRecorded(outcome);
	}

	void failed(RuntimeException ex) {
		this.failures.failed(ex);
	}

	private DistributionSummary perCall(String name, String description) {
		return DistributionSummary.builder(name)
			.description(description)
			.baseUnit("attempts")
			.tags(this.tags)
			.register(this.registry);
	}

}
