package io.github.grpcretry.autoconfigure;

import java.time.Duration;
import java.util.Comparator;

import io.github.grpcretry.channel.GrpcChannelFactory;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.Ordered;

/**
 * Shuts the channels down, with each client's grace period, as soon as the context starts closing: Spring Boot's
 * metrics auto-configuration closes every {@code MeterRegistry} on the same {@link ContextClosedEvent}, before any
 * bean is destroyed, so a drain left to the factory's destruction would end after the registries closed and calls
 * ending in the grace period would be lost. Then waits, within the grace period, for the metrics to record the
 * calls whose listeners had not run when their channel terminated. Runs before every other listener of that event.
 */
final class ChannelsCloseFirstListener implements ApplicationListener<ContextClosedEvent>, Ordered {

	private final ApplicationContext context;

	private final ConfigurableListableBeanFactory beanFactory;

	ChannelsCloseFirstListener(ApplicationContext context, ConfigurableListableBeanFactory beanFactory) {
		this.context = context;
		this.beanFactory = beanFactory;
	}

	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		// A child context's close reaches its parent's listeners too; only this context's close shuts its channels.
		if (this.context.equals(event.getApplicationContext())) {
			// Not created on the way out (lazy initialization): a factory never created built no channel.
			if (this.beanFactory.containsSingleton(GrpcRetryAutoConfiguration.CHANNEL_FACTORY_BEAN_NAME)) {
				long start = System.nanoTime();
				this.beanFactory
					.getBean(GrpcRetryAutoConfiguration.CHANNEL_FACTORY_BEAN_NAME, GrpcChannelFactory.class)
					.close();
				awaitCallsRecorded(Duration.ofNanos(System.nanoTime() - start));
			}
		}
	}

	// A channel terminates once its streams have closed; a call's listener, which records it, may still wait for an
	// application executor. Waited for within what is left of the longest grace period.
	private void awaitCallsRecorded(Duration closing) {
		if (!this.beanFactory.containsSingleton(GrpcRetryAutoConfiguration.ATTEMPT_METRICS_CUSTOMIZER_BEAN_NAME)) {
			return;
		}
		Duration longestGracePeriod = this.beanFactory.getBean(GrpcClientsProperties.class)
			.clients()
			.values()
			.stream()
			.map(ClientProperties::shutdownGracePeriod)
			.max(Comparator.naturalOrder())
			.orElse(Duration.ZERO);
		Duration left = longestGracePeriod.minus(closing);
		if (left.isNegative()) {
			return;
		}
		try {
			this.beanFactory
				.getBean(GrpcRetryAutoConfiguration.ATTEMPT_METRICS_CUSTOMIZER_BEAN_NAME, UnrecordedCallsAwaiter.class)
				.awaitCallsRecorded(left);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
