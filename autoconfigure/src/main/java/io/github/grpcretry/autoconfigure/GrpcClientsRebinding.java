package io.github.grpcretry.autoconfigure;

import io.github.grpcretry.properties.GrpcClientsProperties;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;

/**
 * Gives a refresh the very binding start-up used: a prototype twin of the {@link GrpcClientsProperties} bean
 * definition that {@code @EnableConfigurationProperties} registered, so that each {@link #bind} binds {@code grpc}
 * from the environment as it is now through Spring Boot's own {@code ConfigurationPropertiesBinder}, with the
 * application's converters, placeholders and bind handler advisors, as the start-up bean was; no second binder to keep
 * in step, as Spring Cloud's {@code ConfigurationPropertiesRebinder} re-binds through the binder start-up used.
 */
final class GrpcClientsRebinding implements BeanDefinitionRegistryPostProcessor {

	/** The twin's bean name. */
	static final String BEAN_NAME = "grpcClientsPropertiesRebound";

	@Override
	public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
		if (registry.containsBeanDefinition(BEAN_NAME)) {
			// Registered already, as in an application run from its AOT-generated initializer.
			return;
		}
		for (String name : registry.getBeanDefinitionNames()) {
			BeanDefinition definition = registry.getBeanDefinition(name);
			if (GrpcClientsProperties.class.getName().equals(definition.getBeanClassName())
					&& definition instanceof AbstractBeanDefinition original) {
				AbstractBeanDefinition twin = original.cloneBeanDefinition();
				twin.setScope(BeanDefinition.SCOPE_PROTOTYPE);
				twin.setAutowireCandidate(false);
				twin.setPrimary(false);
				registry.registerBeanDefinition(BEAN_NAME, twin);
				return;
			}
		}
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) throws BeansException {
	}

	/**
	 * Binds {@code grpc} from the environment as it is now.
	 * @param beanFactory the application's bean factory
	 * @return the properties
	 * @throws BeansException what binding them throws, such as a {@code BindException} as its cause
	 */
	static GrpcClientsProperties bind(BeanFactory beanFactory) {
		return beanFactory.getBean(BEAN_NAME, GrpcClientsProperties.class);
	}

}
