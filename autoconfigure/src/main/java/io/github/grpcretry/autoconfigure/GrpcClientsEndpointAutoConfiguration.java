package io.github.grpcretry.autoconfigure;

import io.github.grpcretry.internal.actuate.GrpcClientsEndpoint;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpointWebExtension;
import io.github.grpcretry.internal.actuate.GrpcClientsView;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of the {@code grpcclients} actuator endpoint, available once exposed like any endpoint (over
 * the web or JMX), and of its web extension. Its annotations kept their package and shape from Spring Boot 3.5 to
 * 4.1, so one class serves every line. The endpoint reads the application's {@code access} keys for its incident
 * switch.
 */
@AutoConfiguration(after = GrpcRetryAutoConfiguration.class)
@ConditionalOnClass(name = { "org.springframework.boot.actuate.endpoint.annotation.Endpoint",
		"org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint" })
@ConditionalOnAvailableEndpoint(GrpcClientsEndpoint.class)
public final class GrpcClientsEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(GrpcClientsView.class)
	GrpcClientsEndpoint grpcClientsEndpoint(GrpcClientsView clients, Environment environment) {
		return new GrpcClientsEndpoint(clients, environment);
	}

	// Without Boot's exposure = WEB: Boot 3.5 would also need its CLOUD_FOUNDRY, which Boot 4 has not, and an
	// extension of an endpoint not exposed over HTTP is left unused by Boot's web endpoint discovery anyway.
	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(GrpcClientsEndpoint.class)
	GrpcClientsEndpointWebExtension grpcClientsEndpointWebExtension(GrpcClientsEndpoint endpoint) {
		return new GrpcClientsEndpointWebExtension(endpoint);
	}

}
