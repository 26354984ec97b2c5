package io.github.grpcretry.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.grpcretry.internal.actuate.GrpcClientHealthIndicator;
import io.github.grpcretry.internal.actuate.GrpcClientsView;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code grpcClients} health contributor on Spring Boot 4 ({@code spring-boot-health}): one
 * indicator per client. Part of {@code /actuator/health}, in no probe group unless the application adds it, so that a
 * down backend never gets the application restarted. Spring Boot 3.5's health types live elsewhere; its contributor
 * comes from the {@code grpc-retry-spring-boot-autoconfigure-boot3} module.
 */
@AutoConfiguration(after = GrpcRetryAutoConfiguration.class,
		beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(name = { "org.springframework.boot.health.contributor.HealthIndicator",
		"org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator" })
@ConditionalOnEnabledHealthIndicator("grpcclients")
public final class GrpcClientsHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "grpcClientsHealthContributor")
	@ConditionalOnBean(GrpcClientsView.class)
	CompositeHealthContributor grpcClientsHealthContributor(GrpcClientsView clients) {
		Map<String, String> names = new LinkedHashMap<>();
		clients.clientNames().forEach((name) -> names.put(name, name));
		return CompositeHealthContributor.fromMap(names, (name) -> new GrpcClientHealthIndicator(clients, name));
	}

}
