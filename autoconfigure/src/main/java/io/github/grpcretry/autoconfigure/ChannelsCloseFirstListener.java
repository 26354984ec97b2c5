package io.github.grpcretry.autoconfigure;

import io.github.grpcretry.channel.GrpcChannelFactory;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.Ordered;

/**
 * Shuts the channels down, with each client's grace period, as soon as the context starts closing: Spring Boot's
 * metrics auto-configuration closes every {@code MeterRegistry} on the same {@link ContextClosedEvent}, before any
 * bean is destroyed, so a drain left to the factory's destruction would end after the registries closed and calls
 * ending in the grace period would be lost. Runs before every other listener of that event.
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
				this.beanFactory
					.getBean(GrpcRetryAutoConfiguration.CHANNEL_FACTORY_BEAN_NAME, GrpcChannelFactory.class)
					.close();
			}
		}
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
