package io.github.grpcretry.internal.metrics;

import io.github.grpcretry.channel.ServiceConfigChangeListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;

/**
 * Counts each change to a client's service config while the application runs:
 * {@code grpc.client.service_config.changes}, tagged {@code client}, {@code source} ({@code refresh},
 * {@code endpoint}) and {@code result} ({@code applied}, {@code refused}, {@code restart_required}). Changes are rare,
 * so each looks its counter up in the registry.
 */
public final class ServiceConfigChangeMeters implements ServiceConfigChangeListener {

	static final String CHANGES = "grpc.client.service_config.changes";

	private final ObjectProvider<MeterRegistry> registry;

	/**
	 * Creates the meters.
	 * @param registry the application's registry, if any, read at each change
	 */
	public ServiceConfigChangeMeters(ObjectProvider<MeterRegistry> registry) {
		this.registry = registry;
	}

	@Override
	public void changed(String clientName, ServiceConfigChangeListener.Source source, Result result) {
		MeterRegistry registry = this.registry.getIfUnique();
		if (registry != null) {
			Counter.builder(CHANGES)
				.description("Changes to a client's service config while the application runs, by source and result")
				.tags("client", clientName, "source", source.value(), "result", result.value())
				.register(registry)
				.increment();
		}
	}

}
