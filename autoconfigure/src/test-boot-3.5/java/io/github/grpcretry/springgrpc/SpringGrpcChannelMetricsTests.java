package io.github.grpcretry.springgrpc;

import java.util.List;
import java.util.Map;

import io.grpc.ManagedChannelBuilder;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.grpc.autoconfigure.client.GrpcClientAutoConfiguration;
import org.springframework.grpc.autoconfigure.client.GrpcClientObservationAutoConfiguration;
import org.springframework.grpc.client.GrpcChannelBuilderCustomizer;
import org.springframework.util.ClassUtils;

/**
 * Spring gRPC 0.9 on Spring Boot 3.5: a channel under {@code spring.grpc.client.channels.<name>}, retrying by a
 * service config that the application's own {@link GrpcChannelBuilderCustomizer} sets (0.9 hands a service config
 * map from properties to grpc-java with its lists bound as maps).
 */
class SpringGrpcChannelMetricsTests extends AbstractSpringGrpcChannelMetricsTests {

	@Override
	protected AutoConfigurations springGrpcClient() {
		// 0.9 keeps its composite channel factory's auto-configuration package-private.
		Class<?> compositeChannelFactory = ClassUtils.resolveClassName(
				"org.springframework.grpc.autoconfigure.client.CompositeChannelFactoryAutoConfiguration", null);
		return AutoConfigurations.of(SslAutoConfiguration.class, GrpcClientAutoConfiguration.class,
				compositeChannelFactory, GrpcClientObservationAutoConfiguration.class);
	}

	@Override
	protected ApplicationContextRunner retryingChannel(ApplicationContextRunner runner, String address) {
		return runner.withPropertyValues("spring.grpc.client.channels." + CHANNEL + ".address=" + address)
			.withBean("retryPolicyCustomizer", GrpcChannelBuilderCustomizer.class, () -> this::retryEcho);
	}

	private <T extends ManagedChannelBuilder<T>> void retryEcho(String target, T builder) {
		if (CHANNEL.equals(target)) {
			Map<String, Object> retryPolicy = Map.of("maxAttempts", 4.0, "initialBackoff", "0.01s", "maxBackoff",
					"0.01s", "backoffMultiplier", 1.0, "retryableStatusCodes", List.of("UNAVAILABLE"));
			builder.defaultServiceConfig(Map.of("methodConfig",
					List.of(Map.of("name", List.of(Map.of("service", "echo.Echo")), "retryPolicy", retryPolicy))));
		}
	}

}
