package io.github.grpcretry.internal.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.github.grpcretry.internal.serviceconfig.CallPolicies;
import io.grpc.Status;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

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

	private static final int OUTCOMES = CallOutcome.values().length;

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

	// The method as the meters name it: its full name, or "other" for the methods built at run time.
	final String method;

	// How the method's calls are governed under the config grpc-java last took, made once per config.
	private volatile CallGovernance.@Nullable Method governance;

	MethodMeters(MeterRegistry registry, String client, String method, MeterFailureLog failures,
			ClientTotals totals) {
		this.registry = registry;
		this.tags = Tags.of("client", client, "method", method);
		this.clock = registry.config().clock();
		this.failures = failures;
		this.totals = totals;
		this.attempts = new AtomicReferenceArray<>(AttemptKind.values().length * CODES.length);
		this.method = method;
		this.calls = new AtomicReferenceArray<>(RetryStop.values().length * OUTCOMES * CODES.length);
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

	/**
	 * How a call of this method is governed under the policies it starts with.
	 * @param policies the policies of the config grpc-java holds
	 * @param fullMethodName the call's method, which for {@code other} is one of many
	 * @param governance the client's governance
	 * @return the call's governance
	 */
	CallGovernance.Method governance(CallPolicies policies, String fullMethodName, CallGovernance governance) {
		CallGovernance.Method method = this.governance;
		if (method != null && method.policies == policies && method.fullMethodName().equals(fullMethodName)) {
			return method;
		}
		method = governance.of(policies, fullMethodName, this.method);
		this.governance = method;
		return method;
	}

	void recordCall(CallOutcome outcome, RetryStop stop, Status.Code code, long durationNanos) {
		int index = (stop.ordinal() * OUTCOMES + outcome.ordinal()) * CODES.length + code.ordinal();
		Timer timer = this.calls.get(index);
		if (timer == null) {
			timer = Timer.builder(CALLS)
				.description("Finished calls, by status, by whether a retry or hedge took part, and by why no more"
						+ " attempts were made")
				.tags(this.tags)
				.tag("status", code.name())
				.tag("outcome", outcome.tagValue())
				.tag("retry_stop", stop.tagValue())
				.register(this.registry);
			this.calls.set(index, timer);
		}
		timer.record(durationNanos, TimeUnit.NANOSECONDS);
		this.totals.callRecorded(outcome, stop);
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
