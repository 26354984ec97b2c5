package io.github.grpcretry.actuate;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.grpcretry.metrics.AttemptKind;
import io.github.grpcretry.metrics.CallOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

/**
 * A client's figures so far, summed over its methods from the meters in the registry.
 *
 * @param calls calls recorded by {@code grpc.client.calls}
 * @param callsByOutcome those calls by {@code outcome} tag, every outcome present
 * @param attempts attempts recorded by {@code grpc.client.attempts}, by {@code kind} tag, every kind present
 * @param successWithRetryShare the share of the calls that succeeded only because of a retry or hedge
 * ({@code success_with_retry}), from 0 to 1; {@code null} before the first call
 */
public record ClientFigures(long calls, Map<String, Long> callsByOutcome, Map<String, Long> attempts,
		@Nullable Double successWithRetryShare) {

	private static final String CALLS = "grpc.client.calls";

	private static final String ATTEMPTS = "grpc.client.attempts";

	/**
	 * Reads the figures of clients from a registry, looked up at each read.
	 * @param registry the registry, or {@code null} when there is none
	 * @return the figures of a client by its name; {@code null} for every client without a registry
	 */
	public static Function<String, @Nullable ClientFigures> from(Supplier<@Nullable MeterRegistry> registry) {
		return (client) -> {
			MeterRegistry meters = registry.get();
			return (meters != null) ? read(meters, client) : null;
		};
	}

	/**
	 * Reads one client's figures.
	 * @param registry the registry the client's meters are in
	 * @param client the client's name, its meters' {@code client} tag
	 * @return the figures, zero for a client that made no call
	 */
	public static ClientFigures read(MeterRegistry registry, String client) {
		Map<String, Long> callsByOutcome = new LinkedHashMap<>();
		for (CallOutcome outcome : CallOutcome.values()) {
			long count = registry.find(CALLS)
				.tags("client", client, "outcome", outcome.tagValue())
				.timers()
				.stream()
				.mapToLong(Timer::count)
				.sum();
			callsByOutcome.put(outcome.tagValue(), count);
		}
		Map<String, Long> attempts = new LinkedHashMap<>();
		for (AttemptKind kind : AttemptKind.values()) {
			double count = registry.find(ATTEMPTS)
				.tags("client", client, "kind", kind.tagValue())
				.counters()
				.stream()
				.mapToDouble(Counter::count)
				.sum();
			attempts.put(kind.tagValue(), (long) count);
		}
		long calls = callsByOutcome.values().stream().mapToLong(Long::longValue).sum();
		Double share = (calls > 0)
				? (double) callsByOutcome.get(CallOutcome.SUCCESS_WITH_RETRY.tagValue()) / calls : null;
		return new ClientFigures(calls, Collections.unmodifiableMap(callsByOutcome),
				Collections.unmodifiableMap(attempts), share);
	}

}
