package io.github.grpcretry.sample;

import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Prints what the starter's meters say about one client, read back from the {@link MeterRegistry} as a dashboard
 * would read them.
 */
class AttemptMetricsReport {

	private final MeterRegistry registry;

	AttemptMetricsReport(MeterRegistry registry) {
		this.registry = registry;
	}

	void print(String client, PrintStream out) {
		out.printf("Attempt metrics of client '%s'%n", client);
		out.printf("  %-28s %-18s %8s%n", "grpc.client.attempts  kind", "status", "count");
		Map<String, Double> attempts = new TreeMap<>();
		for (Counter counter : this.registry.find("grpc.client.attempts").tag("client", client).counters()) {
			attempts.merge(String.format("%-28s %-18s", "  " + counter.getId().getTag("kind"),
					counter.getId().getTag("status")), counter.count(), Double::sum);
		}
		attempts.forEach((row, count) -> out.printf("  %s %8.0f%n", row, count));
		double attemptTotal = attempts.values().stream().mapToDouble(Double::doubleValue).sum();
		out.printf("  %-47s %8.0f%n", "  all attempts", attemptTotal);
		out.println();
		out.printf("  %-28s %-18s %-20s %8s%n", "grpc.client.calls  outcome", "status", "retry_stop", "count");
		long callTotal = 0;
		for (Timer timer : this.registry.find("grpc.client.calls").tag("client", client).timers()) {
			out.printf("  %-28s %-18s %-20s %8d%n", "  " + timer.getId().getTag("outcome"),
					timer.getId().getTag("status"), timer.getId().getTag("retry_stop"), timer.count());
			callTotal += timer.count();
		}
		out.printf("  %-68s %8d%n", "  all calls", callTotal);
		out.println();
		summary(out, client, "grpc.client.call.retries", "retries per call");
		summary(out, client, "grpc.client.call.hedges", "hedges per call");
		summary(out, client, "grpc.client.call.transparent_retries", "transparent retries per call");
		for (Timer delay : this.registry.find("grpc.client.call.retry_delay").tag("client", client).timers()) {
			out.printf("  %-36s total %7.1f ms, mean %6.1f ms per call%n", "retry delay (no attempt in flight)",
					delay.totalTime(TimeUnit.MILLISECONDS), delay.mean(TimeUnit.MILLISECONDS));
		}
		if (callTotal > 0) {
			out.printf("  attempts per call: %.2f%n", attemptTotal / callTotal);
		}
	}

	// As gRFC A96: only the calls that made any are recorded, so the mean is over those calls.
	private void summary(PrintStream out, String client, String name, String label) {
		for (DistributionSummary summary : this.registry.find(name).tag("client", client).summaries()) {
			out.printf("  %-36s total %5.0f in %3d call(s), mean %5.2f, max %3.0f%n", label, summary.totalAmount(),
					summary.count(), summary.mean(), summary.max());
		}
	}

}
