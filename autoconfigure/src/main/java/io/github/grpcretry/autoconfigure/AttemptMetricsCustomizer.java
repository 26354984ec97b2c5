package io.github.grpcretry.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.grpcretry.channel.RetryChannelBuilderCustomizer;
import io.github.grpcretry.metrics.AttemptMetricsInterceptor;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;

/**
 * Instruments every channel with {@link AttemptMetricsInterceptor}, outermost, when a {@link MeterRegistry} or an
 * {@link ObservationRegistry} bean exists (the attempts of observed calls are observed by the tracer that counts
 * them), and keeps the interceptors, so that shutdown can wait for the calls they have not recorded yet.
 */
final class AttemptMetricsCustomizer implements RetryChannelBuilderCustomizer, UnrecordedCallsAwaiter {

	private final ObjectProvider<MeterRegistry> meterRegistry;

	private final ObjectProvider<ObservationRegistry> observationRegistry;

	private final List<AttemptMetricsInterceptor> interceptors = new CopyOnWriteArrayList<>();

	AttemptMetricsCustomizer(ObjectProvider<MeterRegistry> meterRegistry,
			ObjectProvider<ObservationRegistry> observationRegistry) {
		this.meterRegistry = meterRegistry;
		this.observationRegistry = observationRegistry;
	}

	@Override
	public void customize(String clientName, ManagedChannelBuilder<?> builder) {
		MeterRegistry registry = this.meterRegistry.getIfUnique();
		ObservationRegistry observations = this.observationRegistry.getIfUnique();
		if (registry == null && observations == null) {
			return;
		}
		if (registry == null) {
			// Attempts are observed by the tracer that counts them; with no registry their meters go nowhere.
			registry = new CompositeMeterRegistry();
		}
		AttemptMetricsInterceptor interceptor = new AttemptMetricsInterceptor(registry, clientName);
		this.interceptors.add(interceptor);
		builder.intercept(interceptor);
	}

	@Override
	public void awaitCallsRecorded(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		for (AttemptMetricsInterceptor interceptor : this.interceptors) {
			interceptor.awaitCallsRecorded(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)));
		}
	}

}
