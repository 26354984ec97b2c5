package io.github.grpcretry.autoconfigure;

import java.util.List;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * Makes Spring destroy the channel factory, and so drain the channels, before every {@code MeterRegistry} and
 * {@code ObservationRegistry} bean, so that calls ending in the channels' grace period are still recorded. The
 * channels' customizers look the registries up when a channel is built, so Spring sees no dependency, and a registry
 * first created then would be destroyed, and closed, before the channels.
 */
final class RegistriesOutliveChannels {

	// Named, not referenced: Micrometer, and so either type, may be absent.
	private static final List<String> REGISTRY_TYPES = List.of("io.micrometer.core.instrument.MeterRegistry",
			"io.micrometer.observation.ObservationRegistry");

	private RegistriesOutliveChannels() {
	}

	/**
	 * Declares the channel factory a dependent of every registry bean, without creating any bean.
	 * @param beanFactory the bean factory of the application
	 * @param channelFactoryBeanName the name of the channel factory bean
	 */
	static void declare(ConfigurableListableBeanFactory beanFactory, String channelFactoryBeanName) {
		ClassLoader classLoader = beanFactory.getBeanClassLoader();
		for (String typeName : REGISTRY_TYPES) {
			if (ClassUtils.isPresent(typeName, classLoader)) {
				Class<?> type = ClassUtils.resolveClassName(typeName, classLoader);
				for (String registry : beanFactory.getBeanNamesForType(type, true, false)) {
					beanFactory.registerDependentBean(registry, channelFactoryBeanName);
				}
			}
		}
	}

}
