package io.github.grpcretry.springgrpc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientDefaultServiceConfigCustomizer;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientProperties;
import org.springframework.boot.grpc.client.autoconfigure.ServiceConfig;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default service config that a Spring Boot 4.1 channel hands to grpc-java: Spring Boot's rendering, then the
 * customizer beans in order, as Spring Boot applies them.
 */
class ExactServiceConfigCustomizerTests {

	private static final String SERVICE_CONFIG = "spring.grpc.client.channel.echo.service-config.";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, GrpcClientAutoConfiguration.class,
				SpringBootServiceConfigAutoConfiguration.class));

	@Test
	void methodConfigsAndThrottlingAreExactAndTheRestIsAsSpringBootRendersIt() {
		this.contextRunner.withPropertyValues(SERVICE_CONFIG + "method[0].retry.max-attempts=4",
				SERVICE_CONFIG + "method[0].retry.initial-backoff=50ms",
				SERVICE_CONFIG + "method[0].retry.max-backoff=1s",
				SERVICE_CONFIG + "method[0].retry.backoff-multiplier=2",
				SERVICE_CONFIG + "method[0].retry.retryable-status-codes=unavailable",
				SERVICE_CONFIG + "method[0].timeout=2500ms", SERVICE_CONFIG + "retrythrottling.max-tokens=10",
				SERVICE_CONFIG + "retrythrottling.token-ratio=0.1",
				SERVICE_CONFIG + "loadbalancing[0].pickfirst.shuffle-address-list=true",
				SERVICE_CONFIG + "healthcheck.service-name=echo.Echo")
			.run((context) -> {
				Map<String, Object> springBoots = springBootsRendering(context, "echo");
				Map<String, Object> handedToGrpcJava = defaultServiceConfig(context, "echo");
				assertThat(handedToGrpcJava).containsEntry("methodConfig", List.of(Map.of("name", List.of(Map.of()),
						"timeout", "2.5s", "retryPolicy",
						Map.of("maxAttempts", 4.0, "initialBackoff", "0.05s", "maxBackoff", "1s", "backoffMultiplier",
								2.0, "retryableStatusCodes", List.of("UNAVAILABLE")))))
					.containsEntry("retryThrottling", Map.of("maxTokens", 10.0, "tokenRatio", 0.1))
					.containsEntry("loadBalancingConfig", springBoots.get("loadBalancingConfig"))
					.containsEntry("healthCheckConfig", springBoots.get("healthCheckConfig"))
					.hasSize(4);
			});
	}

	@Test
	void channelWithoutTypedServiceConfigIsLeftAlone() {
		// Spring Boot takes the channel's own entry, without a service config, rather than the default one.
		this.contextRunner
			.withPropertyValues("spring.grpc.client.channel.echo.target=static://127.0.0.1:50051",
					"spring.grpc.client.channel.default.service-config.method[0].timeout=1s")
			.run((context) -> assertThat(defaultServiceConfig(context, "echo")).isEmpty());
	}

	private static Map<String, Object> springBootsRendering(AssertableApplicationContext context, String target) {
		Map<String, Object> serviceConfig = new LinkedHashMap<>();
		ServiceConfig typed = context.getBean(GrpcClientProperties.class).getChannel().get(target).getServiceConfig();
		typed.applyTo(serviceConfig);
		return serviceConfig;
	}

	private static Map<String, Object> defaultServiceConfig(AssertableApplicationContext context, String target) {
		Map<String, Object> serviceConfig = new LinkedHashMap<>();
		GrpcClientProperties.Channel channel = context.getBean(GrpcClientProperties.class).getChannel().get(target);
		if (channel.getServiceConfig() != null) {
			channel.getServiceConfig().applyTo(serviceConfig);
		}
		context.getBeanProvider(GrpcClientDefaultServiceConfigCustomizer.class)
			.orderedStream()
			.forEach((customizer) -> customizer.customize(target, serviceConfig));
		return serviceConfig;
	}

}
