package io.github.grpcretry.actuate;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A client's figures since start, summed over its methods: the totals its attempt metrics counted with its meters,
 * whatever kind of registry holds those (a step registry's meters hold one step's worth, a composite's its first
 * child's), and which method config governed its calls.
 *
 * @param calls calls recorded by {@code grpc.client.calls}
 * @param callsByOutcome those calls by {@code outcome} tag, every outcome present
 * @param callsByRetryStop those calls by {@code retry_stop} tag (why each made no more attempts), every reason
 * present
 * @param attempts attempts recorded by {@code grpc.client.attempts}, by {@code kind} tag, every kind present
 * @param successWithRetryShare the share of the calls that succeeded only because of a retry or hedge
 * ({@code success_with_retry}), from 0 to 1; {@code null} before the first call
 * @param methodConfig each method config of the service config in effect, with the calls it governed since start;
 * empty while the target's resolver supplies the config (xDS)
 * @param ungovernedCalls the calls that no method config governed since start, by method ({@code other} for the
 * methods built at run time): methods called without any policy
 */
public record ClientFigures(long calls, Map<String, Long> callsByOutcome, Map<String, Long> callsByRetryStop,
		Map<String, Long> attempts, @Nullable Double successWithRetryShare, List<MethodConfigCalls> methodConfig,
		Map<String, Long> ungovernedCalls) {

	/**
	 * One method config in effect, and the calls it governed, by gRPC's rule: the entry that names the method, else
	 * the one that names its service, else the default entry.
	 *
	 * @param index its place in the service config's {@code methodConfig}, from 0, as in
	 * {@code grpc.clients.<name>.method-config[index]}
	 * @param names what it names: full method names, service names, or {@code *} for the default entry
	 * @param policy {@code retry}, {@code hedging}, or {@code none}
	 * @param governedCalls the calls it governed since start, counted at their start; kept over a change of the
	 * config while the entry names the same
	 * @param matchesNoCall whether no call matched it since start
	 * @param didYouMean for a name that matched no call while calls went to a close one that no entry of its own
	 * governed, that close name (a missing package, a case slip, a small edit), by the name written; empty when none
	 */
	public record MethodConfigCalls(int index, List<String> names, String policy, long governedCalls,
			boolean matchesNoCall, Map<String, String> didYouMean) {
	}

}
