package io.github.grpcretry.autoconfigure;

import io.github.grpcretry.internal.metrics.CallObservationInterceptor;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationConvention;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;

/**
 * Observes the calls of every channel with a {@link CallObservationInterceptor}, innermost, when an
 * {@link ObservationRegistry} bean exists, with the application's {@link GrpcClientObservationConvention} bean, if
 * any, as Spring Boot's own gRPC client does.
 */
final class CallObservationCustomizer implements InnermostChannelCustomizer {

	private final ObjectProvider<ObservationRegistry> observationRegistry;

	private final ObjectProvider<GrpcClientObservationConvention> convention;

	CallObservationCustomizer(ObjectProvider<ObservationRegistry> observationRegistry,
			ObjectProvider<GrpcClientObservationConvention> convention) {
		this.observationRegistry = observationRegistry;
		this.convention = convention;
	}

	@Override
	public void customize(String clientName, ManagedChannelBuilder<?> builder) {
		ObservationRegistry registry = this.observationRegistry.getIfUnique();
		if (registry != null) {
			builder.intercept(new CallObservationInterceptor(registry, this.convention.getIfAvailable()));
		}
	}

}
