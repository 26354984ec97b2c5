package io.github.grpcretry.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Compares variants of one benchmark class in interleaved rounds, since on a shared machine consecutive forks drift
 * by 20 % and more: each round runs one fork of every variant, in an order rotated from round to round, so that the
 * drift falls on every variant alike. Reports, per round, each variant's throughput, bytes per call and ratio to each
 * baseline of the same round, then the median of those per-round ratios. Warm-up and measurement are the benchmark
 * class's own.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.grpcretry.benchmarks.InterleavedRounds \
 *     InstrumentationOverheadBenchmark 3 raw,tracerFloor,starter,micrometerMetrics,grpcOpenTelemetry raw,tracerFloor \
 *     transport=inprocess registry=simple
 * </pre>
 */
public final class InterleavedRounds {

	private static final String ALLOCATION = "gc.alloc.rate.norm";

	private InterleavedRounds() {
	}

	/**
	 * Runs the rounds.
	 * @param args the benchmark class's simple name, the number of rounds, the variants (comma-separated method
	 * names), the baselines among them (comma-separated), then JMH parameters as {@code name=value}
	 * @throws RunnerException if JMH fails
	 */
	public static void main(String[] args) throws RunnerException {
		if (args.length < 4) {
			throw new IllegalArgumentException(
					"usage: InterleavedRounds <benchmark class> <rounds> <variant,...> <baseline,...> [param=value ...]");
		}
		String benchmark = InterleavedRounds.class.getPackageName() + "." + args[0];
		int rounds = Integer.parseInt(args[1]);
		List<String> variants = List.of(args[2].split(","));
		List<String> baselines = List.of(args[3].split(","));
		if (!variants.containsAll(baselines)) {
			throw new IllegalArgumentException("every baseline must be one of the variants: " + baselines);
		}
		List<String> parameters = Arrays.asList(args).subList(4, args.length);
		List<Map<String, double[]>> results = new ArrayList<>();
		for (int round = 0; round < rounds; round++) {
			Map<String, double[]> scores = new LinkedHashMap<>();
			for (int i = 0; i < variants.size(); i++) {
				String variant = variants.get((i + round) % variants.size());
				scores.put(variant, run(benchmark, variant, parameters));
			}
			results.add(scores);
			print("round " + (round + 1), variants, baselines, scores);
		}
		printMedians(variants, baselines, results);
	}

	// {calls per second, bytes per call}
	private static double[] run(String benchmark, String variant, List<String> parameters) throws RunnerException {
		ChainedOptionsBuilder options = new OptionsBuilder().include("^" + benchmark.replace(".", "\\.") + "\\."
				+ variant + "$")
			.forks(1)
			.addProfiler(GCProfiler.class);
		for (String parameter : parameters) {
			String[] pair = parameter.split("=", 2);
			options.param(pair[0], pair[1]);
		}
		Collection<RunResult> runs = new Runner(options.build()).run();
		if (runs.size() != 1) {
			throw new IllegalStateException(variant + " matched " + runs.size() + " benchmarks; give one value "
					+ "for each of its parameters");
		}
		RunResult run = runs.iterator().next();
		Result<?> allocation = run.getSecondaryResults()
			.entrySet()
			.stream()
			.filter((entry) -> entry.getKey().endsWith(ALLOCATION))
			.map(Map.Entry::getValue)
			.findFirst()
			.orElse(null);
		return new double[] { run.getPrimaryResult().getScore(),
				(allocation != null) ? allocation.getScore() : Double.NaN };
	}

	private static void print(String title, List<String> variants, List<String> baselines,
			Map<String, double[]> scores) {
		StringBuilder table = new StringBuilder("\n" + title + " (run order " + String.join(", ", scores.keySet())
				+ ")\n| variant | calls/s | bytes/call |");
		baselines.forEach((baseline) -> table.append(" × ").append(baseline).append(" |"));
		for (String variant : variants) {
			double[] score = score(scores, variant);
			table.append(String.format(Locale.ROOT, "%n| `%s` | %,.0f | %,.0f |", variant, score[0], score[1]));
			for (String baseline : baselines) {
				table.append(String.format(Locale.ROOT, " %.3f |", score[0] / score(scores, baseline)[0]));
			}
		}
		System.out.println(table);
	}

	// Every round measures every variant and baseline.
	private static double[] score(Map<String, double[]> scores, String benchmark) {
		double[] score = scores.get(benchmark);
		if (score == null) {
			throw new IllegalStateException("no score of " + benchmark + " in the round");
		}
		return score;
	}

	private static void printMedians(List<String> variants, List<String> baselines,
			List<Map<String, double[]>> results) {
		StringBuilder table = new StringBuilder(
				"\nmedians of the per-round ratios over " + results.size() + " rounds\n| variant |");
		baselines.forEach((baseline) -> table.append(" × ").append(baseline).append(" (rounds) | median |"));
		for (String variant : variants) {
			table.append("\n| `").append(variant).append("` |");
			for (String baseline : baselines) {
				double[] ratios = results.stream()
					.mapToDouble((scores) -> score(scores, variant)[0] / score(scores, baseline)[0])
					.toArray();
				StringBuilder each = new StringBuilder();
				for (double ratio : ratios) {
					each.append((each.length() > 0) ? ", " : "").append(String.format(Locale.ROOT, "%.3f", ratio));
				}
				table.append(' ').append(each).append(String.format(Locale.ROOT, " | **%.3f** |", median(ratios)));
			}
		}
		System.out.println(table);
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

}
