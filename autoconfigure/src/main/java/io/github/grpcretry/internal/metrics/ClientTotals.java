package io.github.grpcretry.internal.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import io.github.grpcretry.actuate.ClientFigures;
import org.jspecify.annotations.Nullable;

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

	/**
	 * Reads one client's figures, as the {@code grpcclients} endpoint shows them.
	 * @param totals what the client's attempt metrics counted, {@code null} while none of its channels was built
	 * @return the figures, zero for a client that made no call
	 */
	public static ClientFigures figures(@Nullable ClientTotals totals) {
		Map<String, Long> callsByOutcome = new LinkedHashMap<>();
		long calls = 0;
		long successesWithRetry = 0;
		for (CallOutcome outcome : CallOutcome.values()) {
			// Each count read once, so that the share is of the very counts the figures show.
			long count = (totals != null) ? totals.calls(outcome) : 0;
			callsByOutcome.put(outcome.tagValue(), count);
			calls += count;
			if (outcome == CallOutcome.SUCCESS_WITH_RETRY) {
				successesWithRetry = count;
			}
		}
		Map<String, Long> attempts = new LinkedHashMap<>();
		for (AttemptKind kind : AttemptKind.values()) {
			attempts.put(kind.tagValue(), (totals != null) ? totals.attempts(kind) : 0);
		}
		Double share = (calls > 0) ? (double) successesWithRetry / calls : null;
		return new ClientFigures(calls, Collections.unmodifiableMap(callsByOutcome),
				Collections.unmodifiableMap(attempts), share);
	}

}
