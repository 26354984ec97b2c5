package io.github.grpcretry.sample;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import java.util.function.Predicate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;

/**
 * The starter's meters as a {@link MeterRegistry} holds them, one value per series (meter, statistic, tags), with
 * the few operations needed to compute what a PromQL expression over the same meters must return: select, sum or
 * count by tags, divide, compare, {@code and}.
 */
final class MeterFigures {

	private final Map<Series, Double> values;

	private MeterFigures(Map<Series, Double> values) {
		this.values = values;
	}

	static MeterFigures of(MeterRegistry registry) {
		Map<Series, Double> values = new LinkedHashMap<>();
		for (Meter meter : registry.getMeters()) {
			String name = meter.getId().getName();
			// The starter's meters only: with Actuator, Spring Boot also makes timers of the calls' and attempts'
			// observations (grpc.client, grpc.client.attempt), which are Micrometer's, not the starter's.
			if (!name.equals("grpc.client.attempts") && !name.equals("grpc.client.calls")
					&& !name.startsWith("grpc.client.call.") && !name.equals("grpc.client.retries.enabled")
					&& !name.equals("grpc.client.service_config.info")) {
				continue;
			}
			String unit = meter.getId().getBaseUnit();
			Map<String, String> tags = new TreeMap<>();
			for (Tag tag : meter.getId().getTags()) {
				tags.put(tag.getKey(), tag.getValue());
			}
			if (meter instanceof Counter counter) {
				values.put(new Series(name, unit, Type.COUNTER, Statistic.COUNT, tags), counter.count());
			}
			else if (meter instanceof Timer timer) {
				values.put(new Series(name, unit, Type.TIMER, Statistic.COUNT, tags), (double) timer.count());
				values.put(new Series(name, unit, Type.TIMER, Statistic.TOTAL, tags), timer.totalTime(TimeUnit.SECONDS));
			}
			else if (meter instanceof Gauge gauge) {
				values.put(new Series(name, unit, Type.GAUGE, Statistic.VALUE, tags), gauge.value());
			}
			else if (meter instanceof DistributionSummary summary) {
				values.put(new Series(name, unit, Type.SUMMARY, Statistic.COUNT, tags), (double) summary.count());
				values.put(new Series(name, unit, Type.SUMMARY, Statistic.TOTAL, tags), summary.totalAmount());
			}
		}
		return new MeterFigures(values);
	}

	/** What was added since {@code earlier}, series by series: what a {@code rate} or {@code increase} measures. */
	MeterFigures minus(MeterFigures earlier) {
		Map<Series, Double> delta = new LinkedHashMap<>();
		this.values.forEach((series, value) -> delta.put(series, value - earlier.values.getOrDefault(series, 0.0)));
		return new MeterFigures(delta);
	}

	/** Only one client's series, as a dashboard with {@code $client} set to it selects them. */
	MeterFigures client(String client) {
		Map<Series, Double> selected = new LinkedHashMap<>();
		this.values.forEach((series, value) -> {
			if (client.equals(series.tags().get("client"))) {
				selected.put(series, value);
			}
		});
		return new MeterFigures(selected);
	}

	/** Only the series of {@code grpc.client.calls}, which the dashboard's variables list. */
	MeterFigures calls() {
		Map<Series, Double> selected = new LinkedHashMap<>();
		this.values.forEach((series, value) -> {
			if (series.meter().equals("grpc.client.calls")) {
				selected.put(series, value);
			}
		});
		return new MeterFigures(selected);
	}

	Map<Series, Double> values() {
		return this.values;
	}

	Set<Series> series() {
		return this.values.keySet();
	}

	Selection select(String meter, Statistic statistic) {
		return new Selection(
				(series) -> series.meter().equals(meter) && series.statistic() == statistic);
	}

	/**
	 * A timer's or summary's count, or a counter's count; the total time in seconds or the total amount; a gauge's
	 * value.
	 */
	enum Statistic {

		COUNT, TOTAL, VALUE

	}

	/** The meter types the starter registers. */
	enum Type {

		COUNTER, TIMER, SUMMARY, GAUGE

	}

	/**
	 * One series of a meter, named in Prometheus the way Micrometer's Prometheus registry names it: the base unit
	 * appended unless the name ends with it ({@code grpc_client_call_retries_attempts_count}), seconds for timers; a
	 * gauge's name as it is.
	 */
	record Series(String meter, String baseUnit, Type type, Statistic statistic, Map<String, String> tags) {

		String prometheusName() {
			String base = this.meter.replace('.', '_');
			if (this.type != Type.TIMER && this.baseUnit != null && !base.endsWith("_" + this.baseUnit)) {
				base += "_" + this.baseUnit;
			}
			String statistic = (this.statistic == Statistic.COUNT) ? "count" : "sum";
			return switch (this.type) {
				case COUNTER -> base + "_total";
				case TIMER -> base + "_seconds_" + statistic;
				case SUMMARY -> base + "_" + statistic;
				case GAUGE -> base;
			};
		}

	}

	/** Series of one meter and statistic, narrowed by tags, as a PromQL selector. */
	final class Selection {

		private final Predicate<Series> filter;

		private Selection(Predicate<Series> filter) {
			this.filter = filter;
		}

		Selection where(String tag, String... anyOf) {
			List<String> values = Arrays.asList(anyOf);
			return new Selection(this.filter.and((series) -> values.contains(series.tags().get(tag))));
		}

		Selection whereNot(String tag, String... noneOf) {
			List<String> values = Arrays.asList(noneOf);
			return new Selection(this.filter.and((series) -> !values.contains(series.tags().get(tag))));
		}

		/** {@code selector == value}: the series with that value. */
		Selection valued(double value) {
			return new Selection(this.filter.and((series) -> MeterFigures.this.values.get(series) == value));
		}

		/** {@code count by (tags) (...)}: how many series each group has. */
		Grouped countBy(String... tags) {
			Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
			MeterFigures.this.values.forEach((series, value) -> {
				if (this.filter.test(series)) {
					counts.merge(group(series.tags(), tags), 1.0, Double::sum);
				}
			});
			return new Grouped(counts, false);
		}

		/** {@code sum by (tags) (...)}: no group for a selection without series, as in PromQL. */
		Grouped sumBy(String... tags) {
			Map<Map<String, String>, Double> sums = new LinkedHashMap<>();
			MeterFigures.this.values.forEach((series, value) -> {
				if (this.filter.test(series)) {
					sums.merge(group(series.tags(), tags), value, Double::sum);
				}
			});
			return new Grouped(sums, false);
		}

	}

	private static Map<String, String> group(Map<String, String> labels, String... by) {
		Map<String, String> group = new TreeMap<>();
		for (String label : by) {
			group.put(label, labels.get(label));
		}
		return group;
	}

	/**
	 * Values per label set, as an instant vector. {@code extrapolated} when it stands for a {@code rate} alone, which
	 * Prometheus extrapolates to the edges of its range; a ratio of two rates over the same samples is exact.
	 */
	record Grouped(Map<Map<String, String>, Double> values, boolean extrapolated) {

		/** {@code a / b}, matching identical label sets. */
		Grouped dividedBy(Grouped other) {
			Map<Map<String, String>, Double> quotients = new LinkedHashMap<>();
			this.values.forEach((labels, value) -> {
				Double divisor = other.values.get(labels);
				if (divisor != null) {
					quotients.put(labels, value / divisor);
				}
			});
			return new Grouped(quotients, false);
		}

		/** {@code count by (labels) (a)}: how many label sets of {@code a} each group has. */
		Grouped countBy(String... labels) {
			Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
			this.values.keySet().forEach((labelSet) -> counts.merge(group(labelSet, labels), 1.0, Double::sum));
			return new Grouped(counts, false);
		}

		/** {@code a > threshold}: NaN never passes, as in PromQL. */
		Grouped above(double threshold) {
			return filter((value) -> value > threshold);
		}

		/** {@code a and on (labels of b) b}: the label sets of {@code a} that {@code b} has too. */
		Grouped and(Grouped other) {
			Map<Map<String, String>, Double> kept = new LinkedHashMap<>(this.values);
			kept.keySet().retainAll(other.values.keySet());
			return new Grouped(kept, this.extrapolated);
		}

		/** {@code rate(...[range])}: the increase per second of the range, before Prometheus extrapolates it. */
		Grouped perSecond(Duration range) {
			Map<Map<String, String>, Double> rates = new LinkedHashMap<>();
			this.values.forEach((labels, value) -> rates.put(labels, value / range.toSeconds()));
			return new Grouped(rates, true);
		}

		private Grouped filter(DoublePredicate predicate) {
			Map<Map<String, String>, Double> kept = new LinkedHashMap<>();
			this.values.forEach((labels, value) -> {
				if (predicate.test(value)) {
					kept.put(labels, value);
				}
			});
			return new Grouped(kept, this.extrapolated);
		}

	}

}
