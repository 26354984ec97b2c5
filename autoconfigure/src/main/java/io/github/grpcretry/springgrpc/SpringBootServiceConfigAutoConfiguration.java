package io.github.grpcretry.springgrpc;

import io.grpc.ManagedChannelBuilder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Auto-configuration for the channels of Spring Boot 4.1's own gRPC client: their typed service config
 * ({@code spring.grpc.client.channel.<name>.service-config}) is checked by the starter's validation rules before any
 * bean is created, and handed to grpc-java exactly as written. Spring Boot 4.1's classes are named as strings: the same
 * jar runs on Spring Boot 3.5 and 4.0, which have none of them.
 */
@AutoConfiguration(afterName = "org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration")
@ConditionalOnClass(name = "org.springframework.boot.grpc.client.autoconfigure.ServiceConfig")
@ConditionalOnProperty(name = "spring.grpc.client.enabled", matchIfMissing = true)
public final class SpringBootServiceConfigAutoConfiguration {

	// Static, so that the properties are checked before any bean, a channel included, is created.
	@Bean
	static SpringBootServiceConfigVerifier grpcSpringBootServiceConfigVerifier() {
		return new SpringBootServiceConfigVerifier();
	}

	/**
	 * Makes the service config of Spring Boot's channels exact, through Spring Boot's own extension points.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean(GrpcClientProperties.class)
	static final class ExactServiceConfigConfiguration {

		// First after Spring Boot's own rendering, so that customizers of the application see the exact one.
		@Bean
		@Order(Ordered.HIGHEST_PRECEDENCE)
		ExactServiceConfigCustomizer grpcExactServiceConfigCustomizer(GrpcClientProperties properties) {
			return new ExactServiceConfigCustomizer(properties);
		}

		// Last, so that it notes the config as every other customizer leaves it.
		@Bean
		@Order(Ordered.LOWEST_PRECEDENCE)
		RecordedServiceConfigCustomizer grpcRecordedServiceConfigCustomizer(GrpcClientProperties properties) {
			return new RecordedServiceConfigCustomizer(properties);
		}

		@Bean
		<T extends ManagedChannelBuilder<T>> AttemptCapsChannelBuilderCustomizer<T> grpcAttemptCapsCustomizer(
				GrpcClientProperties properties) {
			return new AttemptCapsChannelBuilderCustomizer<>(properties);
		}

	}

}
