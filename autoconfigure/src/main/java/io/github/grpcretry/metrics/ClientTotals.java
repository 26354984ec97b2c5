package io.github.grpcretry.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * The calls and attempts of one client since its {@link AttemptMetricsInterceptor} was made, counted where its
 * meters record them, so that they agree with the meters: the figures since start on every kind of registry, where
 * a step registry's meters hold one step's worth and a composite's its first child's.
 */
public final class ClientTotals {

	private static final AttemptKind[] KINDS = AttemptKind.values();

	private static final CallOutcome[] OUTCOMES = CallOutcome.values();

	// LongAdders indexed by ordinal: the hot path adds to one without a lookup or a lock; only a read sums them.
	private final LongAdder[] calls = adders(OUTCOMES.length);

	private final LongAdder[] attempts = adders(KINDS.length);

	ClientTotals() {
	}

	/**
	 * The calls recorded with an outcome, the {@code grpc.client.calls} of that {@code outcome}.
	 * @param outcome the outcome
	 * @return how many since start
	 */
	public long calls(CallOutcome outcome) {
		return this.calls[outcome.ordinal()].sum();
	}

	/**
	 * The attempts counted of a kind, the {@code grpc.client.attempts} of that {@code kind}.
	 * @param kind the kind
	 * @return how many since start
	 */
	public long attempts(AttemptKind kind) {
		return this.attempts[kind.ordinal()].sum();
	}

	void callRecorded(CallOutcome outcome) {
		this.calls[outcome.ordinal()].increment();
	}

	void attemptCounted(AttemptKind kind) {
		this.attempts[kind.ordinal()].increment();
	}

	private static LongAdder[] adders(int count) {
		LongAdder[] adders = new LongAdder[count];
		for (int i = 0; i < count; i++) {
			adders[i] = new LongAdder();
		}
		return adders;
	}

}
