package io.github.grpcretry.test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Reads the starter's meters the way a dashboard would: summed over every tag not named.
 */
public final class Meters {

	private final MeterRegistry registry;

	public Meters(MeterRegistry registry) {
		this.registry = registry;
	}

	/**
	 * Sums {@code grpc.client.attempts} over the meters with the given tags.
	 * @param tags tag keys and values, alternating
	 * @return the number of attempts
	 */
	public long attempts(String... tags) {
		return (long) this.registry.find("grpc.client.attempts")
			.tags(tags)
			.counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum();
	}

	/**
	 * Counts the calls recorded by {@code grpc.client.calls} with the given tags.
	 * @param tags tag keys and values, alternating
	 * @return the number of calls
	 */
	public long calls(String... tags) {
		return this.registry.find("grpc.client.calls").tags(tags).timers().stream().mapToLong(Timer::count).sum();
	}

	/**
	 * The total of a per-call distribution summary, such as {@code grpc.client.call.retries}.
	 * @param name the meter name
	 * @param tags tag keys and values, alternating
	 * @return the sum over all calls
	 */
	public double total(String name, String... tags) {
		return this.registry.find(name).tags(tags).summaries().stream().mapToDouble(DistributionSummary::totalAmount).sum();
	}

	/**
	 * How many calls a per-call distribution summary recorded.
	 * @param name the meter name
	 * @param tags tag keys and values, alternating
	 * @return the number of recorded calls
	 */
	public long recordedCalls(String name, String... tags) {
		return this.registry.find(name).tags(tags).summaries().stream().mapToLong(DistributionSummary::count).sum();
	}

}
