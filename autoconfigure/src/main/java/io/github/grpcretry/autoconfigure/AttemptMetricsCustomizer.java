package io.github.grpcretry.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.grpcretry.channel.RetryChannelBuilderCustomizer;
import io.github.grpcretry.metrics.AttemptMetricsInterceptor;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;

/**
 * Instruments every channel with {@link AttemptMetricsInterceptor}, outermost, when a {@link MeterRegistry} bean
 * exists, and keeps the interceptors, so that shutdown can wait for the calls they have not recorded yet.
 */
final class AttemptMetricsCustomizer implements RetryChannelBuilderCustomizer, UnrecordedCallsAwaiter {

	private final ObjectProvider<MeterRegistry> meterRegistry;

	private final List<AttemptMetricsInterceptor> interceptors = new CopyOnWriteArrayList<>();

	AttemptMetricsCustomizer(ObjectProvider<MeterRegistry> meterRegistry) {
		this.meterRegistry = meterRegistry;
	}

	@Override
	public void customize(String clientName, ManagedChannelBuilder<?> builder) {
		MeterRegistry registry = this.meterRegistry.getIfUnique();
		if (registry != null) {
			AttemptMetricsInterceptor interceptor = new AttemptMetricsInterceptor(registry, clientName);
			this.interceptors.add(interceptor);
			builder.intercept(interceptor);
		}
	}

	@Override
	public void awaitCallsRecorded(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		for (AttemptMetricsInterceptor interceptor : this.interceptors) {
			interceptor.awaitCallsRecorded(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)));
		}
	}

}
