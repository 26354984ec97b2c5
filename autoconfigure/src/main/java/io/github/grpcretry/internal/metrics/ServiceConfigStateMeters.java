package io.github.grpcretry.internal.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.grpcretry.channel.ServiceConfigChangeListener;
import io.github.grpcretry.internal.channel.ClientServiceConfig;
import io.grpc.SynchronizationContext;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * What each client's calls run with, for a fleet to be seen converging: the gauge {@code grpc.client.retries.enabled}
 * ({@code client}), 1 while the service config grpc-java holds lets calls retry or hedge and 0 while it does not (off
 * by the configuration or the incident switch, or no policy configured), read at each scrape; and the gauge
 * {@code grpc.client.service_config.info} ({@code client}, {@code digest}), 1 for the service config in effect, whose
 * digest is the endpoint's {@code serviceConfigDigest}. A config replaced is a new {@code digest}: its gauge is
 * registered and the replaced one's removed, after grpc-java took the change.
 *
 * <p>The info gauges change only on the changes' own threads, one at a time (a {@link SynchronizationContext}, which
 * holds no lock while it runs them), each reading the config in effect then: the last one to run sets what is shown.
 */
public final class ServiceConfigStateMeters implements ServiceConfigChangeListener, SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(ServiceConfigStateMeters.class);

	static final String RETRIES_ENABLED = "grpc.client.retries.enabled";

	static final String SERVICE_CONFIG_INFO = "grpc.client.service_config.info";

	private final Supplier<@Nullable MeterRegistry> registry;

	private final Supplier<Iterable<String>> clientNames;

	private final Function<String, ClientServiceConfig.@Nullable State> states;

	private final SynchronizationContext serial = new SynchronizationContext((thread, ex) -> logger
		.warn("The gauge " + SERVICE_CONFIG_INFO + " could not be updated", ex));

	// Per client, its info gauge registered now; changed only in the serial context.
	private final Map<String, Gauge> infoGauges = new ConcurrentHashMap<>();

	// The registry the gauges are in; null until registered. Written only in the serial context.
	private volatile @Nullable MeterRegistry registered;

	/**
	 * Creates the meters.
	 * @param registry the application's registry, if any, read when the clients are registered
	 * @param clientNames the clients' names, read when they are registered
	 * @param states each client's state now, by name, or {@code null} for no such client
	 */
	public ServiceConfigStateMeters(Supplier<@Nullable MeterRegistry> registry,
			Supplier<Iterable<String>> clientNames, Function<String, ClientServiceConfig.@Nullable State> states) {
		this.registry = registry;
		this.clientNames = clientNames;
		this.states = states;
	}

	/**
	 * Registers the clients' gauges, once every singleton, the clients' channel factory among them, exists.
	 */
	@Override
	public void afterSingletonsInstantiated() {
		Iterable<String> clientNames = this.clientNames.get();
		this.serial.execute(() -> {
			MeterRegistry registry = this.registry.get();
			if (registry == null || this.registered != null) {
				return;
			}
			this.registered = registry;
			for (String name : clientNames) {
				Gauge.builder(RETRIES_ENABLED, () -> mayRetry(name))
					.description("1 while the client's calls may retry or hedge, 0 while its retries are off (by the"
							+ " configuration or the incident switch) or no policy is configured")
					.tag("client", name)
					.strongReference(true)
					.register(registry);
				reconcile(registry, name);
			}
		});
	}

	@Override
	public void changed(String clientName, Source source, Result result) {
		if (result == Result.APPLIED) {
			this.serial.execute(() -> {
				MeterRegistry registry = this.registered;
				if (registry != null) {
					reconcile(registry, clientName);
				}
			});
		}
	}

	private double mayRetry(String name) {
		ClientServiceConfig.State state = this.states.apply(name);
		return (state != null && state.mayRetry()) ? 1 : 0;
	}

	// In the serial context: the gauge of the digest in effect now, and no other.
	private void reconcile(MeterRegistry registry, String name) {
		ClientServiceConfig.State state = this.states.apply(name);
		if (state == null) {
			return;
		}
		String digest = state.serviceConfigDigest();
		Gauge current = this.infoGauges.get(name);
		if (current != null && digest.equals(current.getId().getTag("digest"))) {
			return;
		}
		Gauge gauge = Gauge.builder(SERVICE_CONFIG_INFO, () -> 1)
			.description("1 for the service config in effect, by the first 12 hex digits of the SHA-256 of its"
					+ " canonical JSON: instances that run one config show one digest")
			.tags("client", name, "digest", digest)
			.strongReference(true)
			.register(registry);
		this.infoGauges.put(name, gauge);
		if (current != null) {
			registry.remove(current);
		}
	}

}
