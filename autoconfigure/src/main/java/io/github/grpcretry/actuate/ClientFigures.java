package io.github.grpcretry.actuate;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.grpcretry.metrics.AttemptKind;
import io.github.grpcretry.metrics.CallOutcome;
import io.github.grpcretry.metrics.ClientTotals;
import org.jspecify.annotations.Nullable;

/**
 * A client's figures since start, summed over its methods: the totals its attempt metrics counted with its meters,
 * whatever kind of registry holds those (a step registry's meters hold one step's worth, a composite's its first
 * child's).
 *
 * @param calls calls recorded by {@code grpc.client.calls}
 * @param callsByOutcome those calls by {@code outcome} tag, every outcome present
 * @param attempts attempts recorded by {@code grpc.client.attempts}, by {@code kind} tag, every kind present
 * @param successWithRetryShare the share of the calls that succeeded only because of a retry or hedge
 * ({@code success_with_retry}), from 0 to 1; {@code null} before the first call
 */
public record ClientFigures(long calls, Map<String, Long> callsByOutcome, Map<String, Long> attempts,
		@Nullable Double successWithRetryShare) {

	/**
	 * Reads one client's figures.
	 * @param totals what the client's attempt metrics counted, {@code null} while none of its channels was built
	 * @return the figures, zero for a client that made no call
	 */
	public static ClientFigures of(@Nullable ClientTotals totals) {
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
