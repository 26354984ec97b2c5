package io.github.grpcretry.internal.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import io.github.grpcretry.actuate.ClientFigures;
import io.github.grpcretry.internal.serviceconfig.CallPolicies;
import io.github.grpcretry.internal.serviceconfig.MethodPolicies;
import org.jspecify.annotations.Nullable;

/**
 * The calls and attempts of one client since its {@link AttemptMetricsInterceptor} was made, counted where its
 * meters record them, so that they agree with the meters: the figures since start on every kind of registry, where
 * a step registry's meters hold one step's worth and a composite's its first child's.
 */
public final class ClientTotals {

	private static final AttemptKind[] KINDS = AttemptKind.values();

	private static final CallOutcome[] OUTCOMES = CallOutcome.values();

	private static final RetryStop[] STOPS = RetryStop.values();

	// LongAdders indexed by ordinal: the hot path adds to one without a lookup or a lock; only a read sums them.
	private final LongAdder[] calls = adders(OUTCOMES.length);

	private final LongAdder[] attempts = adders(KINDS.length);

	private final LongAdder[] stops = adders(STOPS.length);

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

	/**
	 * The calls recorded with a reason to stop, the {@code grpc.client.calls} of that {@code retry_stop}.
	 * @param stop the reason
	 * @return how many since start
	 */
	public long calls(RetryStop stop) {
		return this.stops[stop.ordinal()].sum();
	}

	void callRecorded(CallOutcome outcome, RetryStop stop) {
		this.calls[outcome.ordinal()].increment();
		this.stops[stop.ordinal()].increment();
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
	 * @param governance which method config governed its calls, {@code null} while none of its channels was built
	 * @param policies the policies of its config in effect
	 * @return the figures, zero for a client that made no call
	 */
	public static ClientFigures figures(@Nullable ClientTotals totals, @Nullable CallGovernance governance,
			CallPolicies policies) {
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
		Map<String, Long> callsByRetryStop = new LinkedHashMap<>();
		for (RetryStop stop : STOPS) {
			callsByRetryStop.put(stop.tagValue(), (totals != null) ? totals.calls(stop) : 0);
		}
		Map<String, Long> attempts = new LinkedHashMap<>();
		for (AttemptKind kind : AttemptKind.values()) {
			attempts.put(kind.tagValue(), (totals != null) ? totals.attempts(kind) : 0);
		}
		Double share = (calls > 0) ? (double) successesWithRetry / calls : null;
		List<ClientFigures.MethodConfigCalls> methodConfig = new ArrayList<>();
		for (MethodPolicies.Entry entry : policies.inEffect().entries()) {
			long governed = (governance != null) ? governance.governedCalls(entry.key()) : 0;
			MethodPolicies.Policy policy = entry.policy();
			methodConfig.add(new ClientFigures.MethodConfigCalls(entry.index(),
					entry.names().stream().map(MethodPolicies.Name::written).toList(),
					(policy == null) ? "none" : policy.hedging() ? "hedging" : "retry", governed, governed == 0,
					(governance != null) ? governance.didYouMean(entry) : Map.of()));
		}
		return new ClientFigures(calls, Collections.unmodifiableMap(callsByOutcome),
				Collections.unmodifiableMap(callsByRetryStop), Collections.unmodifiableMap(attempts), share,
				List.copyOf(methodConfig), (governance != null) ? governance.ungovernedCalls() : Map.of());
	}

}
