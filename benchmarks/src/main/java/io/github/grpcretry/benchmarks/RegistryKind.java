package io.github.grpcretry.benchmarks;

import java.util.Locale;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The Micrometer registry a benchmark records in, since what a recording costs depends on it.
 */
public enum RegistryKind {

	/** Micrometer's in-memory registry: the cheapest recordings. */
	SIMPLE,

	/** The Prometheus registry, what most users scrape: every timer and summary keeps its histogram's state. */
	PROMETHEUS;

	/**
	 * Reads a JMH parameter.
	 * @param name {@code simple} or {@code prometheus}
	 * @return the kind
	 */
	public static RegistryKind of(String name) {
		return valueOf(name.toUpperCase(Locale.ROOT));
	}

	/**
	 * Creates a new, empty registry of this kind.
	 * @return the registry
	 */
	public MeterRegistry newRegistry() {
		return (this == PROMETHEUS) ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : new SimpleMeterRegistry();
	}

}
