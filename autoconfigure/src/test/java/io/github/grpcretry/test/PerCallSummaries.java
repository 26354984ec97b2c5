package io.github.grpcretry.test;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the per-call summaries against the attempts counter: every retry, hedge and transparent retry a call made is
 * in its call's summary and in {@code grpc.client.attempts} once, so that for each client and method the totals agree.
 */
public final class PerCallSummaries {

	private static final List<String[]> SUMMARY_AND_KIND = List.of(
			new String[] { "grpc.client.call.retries", "retry" }, new String[] { "grpc.client.call.hedges", "hedge" },
			new String[] { "grpc.client.call.transparent_retries", "transparent_retry" });

	private PerCallSummaries() {
	}

	/**
	 * Asserts that, for every client and method, the total of {@code grpc.client.call.retries} equals
	 * {@code grpc.client.attempts{kind=retry}}, and so for hedges and transparent retries.
	 * @param registry the registry the attempts were counted in
	 */
	public static void assertMatchAttempts(MeterRegistry registry) {
		Meters meters = new Meters(registry);
		Set<List<String>> clientsAndMethods = new LinkedHashSet<>();
		for (Meter meter : registry.getMeters()) {
			// The per-method meters: a client's other meters (its service config's changes) have no method.
			if (meter.getId().getName().startsWith("grpc.client.") && meter.getId().getTag("method") != null) {
				clientsAndMethods.add(List.of(meter.getId().getTag("client"), meter.getId().getTag("method")));
			}
		}
		assertThat(clientsAndMethods).isNotEmpty();
		for (List<String> clientAndMethod : clientsAndMethods) {
			String[] tags = { "client", clientAndMethod.get(0), "method", clientAndMethod.get(1) };
			for (String[] summaryAndKind : SUMMARY_AND_KIND) {
				assertThat((long) meters.total(summaryAndKind[0], tags))
					.as("%s of %s", summaryAndKind[0], clientAndMethod)
					.isEqualTo(meters.attempts(tags[0], tags[1], tags[2], tags[3], "kind", summaryAndKind[1]));
			}
		}
	}

}
