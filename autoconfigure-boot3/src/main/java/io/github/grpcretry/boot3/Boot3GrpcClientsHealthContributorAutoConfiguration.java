package io.github.grpcretry.boot3;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.internal.actuate.GrpcClientsView;

import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code grpcClients} health contributor on Spring Boot 3.5: one indicator per client. Part
 * of {@code /actuator/health}, in no probe group unless the application adds it, so that a down backend never gets
 * the application restarted. Its types exist on Boot 3.5 only, so on Boot 4 its class condition keeps it out and
 * {@code GrpcClientsHealthContributorAutoConfiguration} contributes the same health.
 */
@AutoConfiguration(after = GrpcRetryAutoConfiguration.class,
		beforeName = "org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration")
@ConditionalOnClass(name = { "org.springframework.boot.actuate.health.HealthIndicator",
		"org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator" })
@ConditionalOnEnabledHealthIndicator("grpcclients")
public final class Boot3GrpcClientsHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "grpcClientsHealthContributor")
	@ConditionalOnBean(GrpcClientsView.class)
	CompositeHealthContributor grpcClientsHealthContributor(GrpcClientsView clients) {
		Map<String, String> names = new LinkedHashMap<>();
		clients.clientNames().forEach((name) -> names.put(name, name));
		return CompositeHealthContributor.fromMap(names,
				(name) -> new Boot3GrpcClientHealthIndicator(clients, name));
	}

}
