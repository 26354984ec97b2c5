package io.github.grpcretry.autoconfigure;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import io.github.grpcretry.channel.RetryChannelBuilderCustomizer;
import io.github.grpcretry.channel.RetryServiceConfigCustomizer;
import io.github.grpcretry.channel.ServiceConfigChangeListener;
import io.github.grpcretry.internal.actuate.GrpcClientsView;
import io.github.grpcretry.internal.channel.ClientServiceConfig;
import io.github.grpcretry.internal.channel.GrpcChannelFactory;
import io.github.grpcretry.internal.metrics.AttemptMetricsInterceptor;
import io.github.grpcretry.internal.metrics.ClientTotals;
import io.github.grpcretry.internal.metrics.ServiceConfigChangeMeters;
import io.github.grpcretry.internal.metrics.ServiceConfigStateMeters;
import io.github.grpcretry.internal.properties.FailureStatusCodeConverter;
import io.github.grpcretry.internal.properties.ServiceConfigDurationConverter;
import io.github.grpcretry.internal.refresh.EnvironmentChangeListener;
import io.github.grpcretry.internal.refresh.GrpcClientsRefresher;
import io.github.grpcretry.internal.validation.GrpcClientPropertiesVerifier;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationConvention;
import io.micrometer.observation.ObservationRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;

/**
 * Auto-configuration of retry-enabled gRPC channels: one {@link ManagedChannel} bean per entry under
 * {@code grpc.clients}, qualified by the entry's name, with its service config taken from the properties, verified
 * before any channel is built, its attempts counted when a {@link MeterRegistry} bean exists, and its calls and
 * retries observed when an {@link ObservationRegistry} bean exists.
 */
// After Spring Boot's observation auto-configuration, which moved between Spring Boot 3.5 and 4.0, hence by name.
@AutoConfiguration(after = SslAutoConfiguration.class,
		afterName = { "org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration",
				"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
@ConditionalOnClass(ManagedChannel.class)
@EnableConfigurationProperties(GrpcClientsProperties.class)
@Import(GrpcChannelBeansRegistrar.class)
public final class GrpcRetryAutoConfiguration {

	private static final Log logger = LogFactory.getLog(GrpcRetryAutoConfiguration.class);

	/** The bean that builds every channel bean, and shuts down what is left of them when it is destroyed. */
	static final String CHANNEL_FACTORY_BEAN_NAME = "grpcChannelFactory";

	/**
	 * The customizer that counts the attempts of every channel, when a {@code MeterRegistry} bean exists, and
	 * observes its calls and attempts, when an {@code ObservationRegistry} bean exists.
	 */
	static final String ATTEMPT_METRICS_CUSTOMIZER_BEAN_NAME = "grpcAttemptMetricsCustomizer";

	/** Whether every channel's attempts and calls are counted in Micrometer, when a registry exists. */
	static final String METRICS_ENABLED = "grpc.client.metrics.enabled";

	/** Whether every channel's calls and retries are observed (traced), when an observation registry exists. */
	static final String OBSERVATION_ENABLED = "grpc.client.observation.enabled";

	/** Whether a refresh of the environment (Spring Cloud's EnvironmentChangeEvent) changes running channels. */
	static final String REFRESH_ENABLED = "grpc.client.refresh.enabled";

	@Bean
	@ConfigurationPropertiesBinding
	static ServiceConfigDurationConverter grpcServiceConfigDurationConverter() {
		return new ServiceConfigDurationConverter();
	}

	@Bean
	@ConfigurationPropertiesBinding
	static FailureStatusCodeConverter grpcFailureStatusCodeConverter() {
		return new FailureStatusCodeConverter();
	}

	@Bean
	static GrpcClientsBindHandlerAdvisor grpcClientsBindHandlerAdvisor() {
		return new GrpcClientsBindHandlerAdvisor();
	}

	// Not replaceable: the channel beans are made by this bean, by name, and it verifies the properties first.
	// RetryChannelBuilderCustomizer and RetryServiceConfigCustomizer beans are the way to change the channels.
	@Bean(name = CHANNEL_FACTORY_BEAN_NAME, destroyMethod = "close")
	GrpcChannelFactory grpcChannelFactory(GrpcClientsProperties properties, Environment environment,
			ObjectProvider<SslBundles> sslBundles, ObjectProvider<InnermostChannelCustomizer> innermost,
			ObjectProvider<RetryChannelBuilderCustomizer> customizers,
			ObjectProvider<RetryServiceConfigCustomizer> serviceConfigCustomizers,
			ObjectProvider<ServiceConfigChangeListener> serviceConfigChanges, ListableBeanFactory beanFactory,
			GrpcClientsBindHandlerAdvisor binding, ResourceLoader resourceLoader) {
		SslBundles bundles = sslBundles.getIfAvailable();
		GrpcClientPropertiesVerifier.verify(properties, binding.bindFailures(), environment,
				(name) -> bundles != null && bundles.getBundleNames().contains(name), classLoader(resourceLoader));
		// A client names only a bundle the verifier found: start-up failed on any other.
		Function<String, SslBundle> bundleNamed = (bundles != null) ? bundles::getBundle : (name) -> {
			throw new NoSuchSslBundleException(name, "no SSL bundles are configured");
		};
		InnermostChannelCustomizer first = innermost.getIfAvailable();
		GrpcChannelFactory factory = new GrpcChannelFactory(properties, bundleNamed,
				(first != null) ? first::customize : null, customizers.orderedStream().toList(),
				serviceConfigCustomizers.orderedStream().toList(), customizerNames(beanFactory));
		List<ServiceConfigChangeListener> changeListeners = serviceConfigChanges.orderedStream().toList();
		factory.onServiceConfigChange((client, source, result) -> changeListeners
			.forEach((listener) -> tell(listener, client, source, result)));
		return factory;
	}

	@Bean
	static GrpcClientsRebinding grpcClientsRebinding() {
		return new GrpcClientsRebinding();
	}

	// Re-binds and applies grpc.clients when the configuration changes (a refresh, or the incident switch's
	// "configured"), through the binding start-up used, by the start-up rules.
	@Bean
	GrpcClientsRefresher grpcClientsRefresher(GrpcChannelFactory channels, Environment environment,
			ObjectProvider<SslBundles> sslBundles, ListableBeanFactory beanFactory,
			GrpcClientsBindHandlerAdvisor binding, ResourceLoader resourceLoader) {
		return new GrpcClientsRefresher(channels, () -> GrpcClientsRebinding.bind(beanFactory),
				binding::bindFailuresOfThisThread, environment, (name) -> {
					SslBundles bundles = sslBundles.getIfAvailable();
					return bundles != null && bundles.getBundleNames().contains(name);
				}, classLoader(resourceLoader), channels.serviceConfigChanges(), GrpcClientsRefresher.TAKE_TIMEOUT);
	}

	// The application's class loader, whose generated gRPC services the method-config names are checked against.
	private static ClassLoader classLoader(ResourceLoader resourceLoader) {
		return Objects.requireNonNullElse(resourceLoader.getClassLoader(),
				GrpcRetryAutoConfiguration.class.getClassLoader());
	}

	/**
	 * Applies a refresh: Spring Cloud's {@code EnvironmentChangeEvent}, when Spring Cloud Context is on the class
	 * path.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.cloud.context.environment.EnvironmentChangeEvent")
	@ConditionalOnProperty(name = REFRESH_ENABLED, havingValue = "true", matchIfMissing = true)
	static final class RefreshConfiguration {

		@Bean
		EnvironmentChangeListener grpcClientsEnvironmentChangeListener(ApplicationContext context,
				GrpcClientsRefresher refresher) {
			return new EnvironmentChangeListener(context, refresher);
		}

	}

	// One listener's failure is its own: logged, and the other listeners are still told.
	private static void tell(ServiceConfigChangeListener listener, String client, ServiceConfigChangeListener.Source source,
			ServiceConfigChangeListener.Result result) {
		try {
			listener.changed(client, source, result);
		}
		catch (RuntimeException ex) {
			logger.warn("gRPC client '" + client + "': service config change listener " + listener.getClass().getName()
					+ " failed on " + ClientServiceConfig.describe(source) + "'s change (" + result.value() + "); the change stands", ex);
		}
	}

	// A failure names a customizer by its bean name: the class of a lambda says little.
	private static Function<Object, String> customizerNames(ListableBeanFactory beanFactory) {
		Map<Object, String> names = new IdentityHashMap<>();
		beanFactory.getBeansOfType(RetryChannelBuilderCustomizer.class).forEach((name, bean) -> names.put(bean, name));
		beanFactory.getBeansOfType(RetryServiceConfigCustomizer.class).forEach((name, bean) -> names.put(bean, name));
		return (customizer) -> {
			String name = names.get(customizer);
			String type = customizer.getClass().getName();
			return (name != null) ? "bean '" + name + "' (" + type + ")" : type;
		};
	}

	// Each channel bean shuts down when it is destroyed, after the beans that depend on it: no listener of close.
	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static ChannelShutdownBeanPostProcessor grpcChannelShutdownBeanPostProcessor() {
		return new ChannelShutdownBeanPostProcessor();
	}

	/**
	 * Instruments every channel with {@link AttemptMetricsInterceptor}, outermost, when a {@link MeterRegistry} or
	 * an {@link ObservationRegistry} bean exists, and observes its calls innermost, when an
	 * {@link ObservationRegistry} bean exists.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	static final class AttemptMetricsConfiguration {

		// Always there, for the endpoint's figures; it instruments nothing when metrics and observations are off.
		@Bean(ATTEMPT_METRICS_CUSTOMIZER_BEAN_NAME)
		@Order(Ordered.LOWEST_PRECEDENCE)
		AttemptMetricsCustomizer grpcAttemptMetricsCustomizer(ObjectProvider<MeterRegistry> meterRegistry,
				ObjectProvider<ObservationRegistry> observationRegistry, ObjectProvider<GrpcChannelFactory> channels,
				Environment environment) {
			boolean metrics = environment.getProperty(METRICS_ENABLED, Boolean.class, true);
			boolean observations = environment.getProperty(OBSERVATION_ENABLED, Boolean.class, true);
			// Read as a channel is built, when the factory that builds it exists.
			return new AttemptMetricsCustomizer(metrics ? meterRegistry::getIfUnique : () -> null,
					observations ? observationRegistry::getIfUnique : () -> null, (client) -> {
						GrpcChannelFactory factory = channels.getObject();
						if (!factory.clientNames().contains(client)) {
							// Called by hand for a name that is not a client: nothing known of its calls.
							return AttemptMetricsCustomizer.ClientCalls.UNKNOWN;
						}
						ClientServiceConfig serviceConfig = factory.clientServiceConfig(client);
						return new AttemptMetricsCustomizer.ClientCalls(serviceConfig::callPolicies,
								() -> factory.retryBufferLimit(client));
					});
		}

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnProperty(name = METRICS_ENABLED, havingValue = "true", matchIfMissing = true)
		ServiceConfigChangeMeters grpcServiceConfigChangeMeters(ObjectProvider<MeterRegistry> meterRegistry) {
			return new ServiceConfigChangeMeters(meterRegistry);
		}

		// The factory is read only once every singleton exists: it is told of changes by this bean, among others.
		@Bean
		@ConditionalOnProperty(name = METRICS_ENABLED, havingValue = "true", matchIfMissing = true)
		ServiceConfigStateMeters grpcServiceConfigStateMeters(ObjectProvider<MeterRegistry> meterRegistry,
				ObjectProvider<GrpcChannelFactory> channels) {
			return new ServiceConfigStateMeters(meterRegistry::getIfUnique, () -> channels.getObject().clientNames(),
					(name) -> {
						GrpcChannelFactory factory = channels.getObject();
						return factory.clientNames().contains(name) ? factory.clientServiceConfig(name).state() : null;
					});
		}

		@Bean
		@ConditionalOnProperty(name = OBSERVATION_ENABLED, havingValue = "true", matchIfMissing = true)
		CallObservationCustomizer grpcCallObservationCustomizer(ObjectProvider<ObservationRegistry> observationRegistry,
				ObjectProvider<GrpcClientObservationConvention> convention) {
			return new CallObservationCustomizer(observationRegistry, convention);
		}

	}

	/**
	 * The view of the clients that the actuator endpoint and the health contributors read, with each client's
	 * figures since start when a {@link MeterRegistry} bean exists.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	static final class ClientsViewWithFiguresConfiguration {

		@Bean
		@ConditionalOnMissingBean
		GrpcClientsView grpcClientsView(GrpcChannelFactory channels, GrpcClientsRefresher refresher,
				ObjectProvider<MeterRegistry> meterRegistry, AttemptMetricsCustomizer attemptMetrics,
				Environment environment) {
			boolean metrics = environment.getProperty(METRICS_ENABLED, Boolean.class, true);
			// The interceptors' own totals: a step registry's meters hold one step, a composite's its first child's.
			return new GrpcClientsView(channels, refresher, (client) -> (metrics && meterRegistry.getIfUnique() != null)
					? ClientTotals.figures(attemptMetrics.totals(client), attemptMetrics.governance(client),
							channels.clientServiceConfig(client).callPolicies())
					: null);
		}

	}

	/**
	 * The view of the clients without Micrometer: no figures.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass("io.micrometer.core.instrument.MeterRegistry")
	static final class ClientsViewConfiguration {

		@Bean
		@ConditionalOnMissingBean
		GrpcClientsView grpcClientsView(GrpcChannelFactory channels, GrpcClientsRefresher refresher) {
			return new GrpcClientsView(channels, refresher, (name) -> null);
		}

	}

}
