package io.github.grpcretry.autoconfigure;

import io.github.grpcretry.internal.channel.GrpcChannelFactory;
import io.grpc.ManagedChannel;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.config.DestructionAwareBeanPostProcessor;
import org.springframework.util.Assert;

/**
 * Shuts a channel bean that the {@link GrpcChannelFactory} built down when that bean is destroyed, with its client's
 * grace period: in Spring's order, after every bean that depends on it was destroyed and after every
 * {@code SmartLifecycle}, Spring Boot's graceful shutdown of the web server among them, has stopped.
 */
final class ChannelShutdownBeanPostProcessor implements DestructionAwareBeanPostProcessor, BeanFactoryAware {

	private @Nullable ConfigurableListableBeanFactory beanFactory;

	// Kept once seen: a bean being destroyed is no longer a singleton to look up, and the factory's destruction
	// destroys the channel beans that depend on it.
	private volatile @Nullable GrpcChannelFactory factory;

	@Override
	public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
		this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
	}

	@Override
	public boolean requiresDestruction(Object bean) {
		if (bean instanceof ManagedChannel channel) {
			GrpcChannelFactory factory = factory();
			return factory != null && factory.hasBuilt(channel);
		}
		return false;
	}

	@Override
	public void postProcessBeforeDestruction(Object bean, String beanName) throws BeansException {
		GrpcChannelFactory factory = factory();
		if (factory != null && bean instanceof ManagedChannel channel) {
			factory.shutdown(channel);
		}
	}

	// Looked up, never created here: a channel the factory built exists only once the factory does.
	private @Nullable GrpcChannelFactory factory() {
		GrpcChannelFactory factory = this.factory;
		if (factory != null) {
			return factory;
		}
		ConfigurableListableBeanFactory beanFactory = this.beanFactory;
		Assert.state(beanFactory != null, "No BeanFactory set");
		if (beanFactory.containsSingleton(GrpcRetryAutoConfiguration.CHANNEL_FACTORY_BEAN_NAME)) {
			factory = beanFactory.getBean(GrpcRetryAutoConfiguration.CHANNEL_FACTORY_BEAN_NAME,
					GrpcChannelFactory.class);
			this.factory = factory;
		}
		return factory;
	}

}
