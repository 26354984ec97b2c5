package io.github.grpcretry.autoconfigure;

import java.util.ArrayList;
import java.util.Set;

import io.github.grpcretry.internal.properties.ClientNames;
import io.grpc.ManagedChannel;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers a {@link ManagedChannel} bean per client under {@code grpc.clients}, however its name is spelt (see
 * {@link ClientNames}), named {@code <client>ManagedChannel} and qualified {@code @Qualifier("<client>")}, built by the
 * {@code GrpcChannelFactory} bean. A bean the application already defines under that name takes its place. The
 * names it found are kept in {@link RegisteredChannelClients}, which Spring AOT preserves, since AOT runs this
 * registrar once, at build time.
 */
class GrpcChannelBeansRegistrar implements ImportBeanDefinitionRegistrar {

	private static final String BEAN_NAME_SUFFIX = "ManagedChannel";

	private final Environment environment;

	// Spring hands an import registrar its environment through its constructor.
	GrpcChannelBeansRegistrar(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void registerBeanDefinitions(AnnotationMetadata importingClassMetadata, BeanDefinitionRegistry registry) {
		Set<String> clientNames = clientNames();
		// Kept by Spring AOT in the generated code, to check the clients against at run time.
		RootBeanDefinition registered = new RootBeanDefinition(RegisteredChannelClients.class);
		registered.getConstructorArgumentValues().addIndexedArgumentValue(0, new ArrayList<>(clientNames));
		registered.setRole(BeanDefinition.ROLE_INFRASTRUCTURE);
		registry.registerBeanDefinition(RegisteredChannelClients.BEAN_NAME, registered);
		for (String clientName : clientNames) {
			String beanName = clientName + BEAN_NAME_SUFFIX;
			if (registry.containsBeanDefinition(beanName)) {
				continue;
			}
			RootBeanDefinition channel = new RootBeanDefinition(ManagedChannel.class);
			channel.setFactoryBeanName(GrpcRetryAutoConfiguration.CHANNEL_FACTORY_BEAN_NAME);
			channel.setUniqueFactoryMethodName("createChannel");
			channel.getConstructorArgumentValues().addIndexedArgumentValue(0, clientName);
			channel.addQualifier(new AutowireCandidateQualifier(Qualifier.class, clientName));
			// Shut down with its client's grace period by ChannelShutdownBeanPostProcessor, not by shutdown() alone.
			channel.setDestroyMethodName(null);
			channel.setDependsOn(RegisteredChannelClients.BEAN_NAME);
			registry.registerBeanDefinition(beanName, channel);
		}
	}

	private Set<String> clientNames() {
		// Before binding, by the rule that binding keys the clients by: they agree on every name.
		return ClientNames.of(ConfigurationPropertySources.get(this.environment)).names();
	}

}
