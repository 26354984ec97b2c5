package io.github.grpcretry.actuate;

import java.util.Map;

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

}
