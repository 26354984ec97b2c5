package io.github.grpcretry.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration for the channels of Spring Boot 4.1's own gRPC client: their typed service config
 * ({@code spring.grpc.client.channel.<name>.service-config}) is checked by the starter's validation rules before any
 * bean is created. Spring Boot 4.1's classes are named as strings: the same jar runs on Spring Boot 3.5 and 4.0,
 * which have none of them.
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

}
