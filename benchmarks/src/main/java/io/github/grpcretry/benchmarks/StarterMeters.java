package io.github.grpcretry.benchmarks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Reads what the starter's own meters counted for one client: the load a policy put on the server, in the units a
 * user's dashboard shows.
 */
public final class StarterMeters {

	private StarterMeters() {
	}

	/**
	 * The attempts a client made, every kind and status added up ({@code grpc.client.attempts}).
	 * @param registry the registry the starter counts in
	 * @param client the client's name
	 * @return the attempts
	 */
	public static long attempts(MeterRegistry registry, String client) {
		return (long) registry.find("grpc.client.attempts")
			.tag("client", client)
			.counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum();
	}

	/**
	 * The calls a client made, every outcome added up ({@code grpc.client.calls}).
	 * @param registry the registry the starter counts in
	 * @param client the client's name
	 * @return the calls
	 */
	public static long calls(MeterRegistry registry, String client) {
		return registry.find("grpc.client.calls").tag("client", client).timers().stream().mapToLong(Timer::count).sum();
	}

}
