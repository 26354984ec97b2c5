package io.github.grpcretry.springgrpc;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.CompositeChannelFactoryAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Spring Boot 4.1's own gRPC client: a channel under {@code spring.grpc.client.channel.<name>}, retrying by its typed
 * service config.
 */
class SpringGrpcChannelMetricsTests extends AbstractSpringGrpcChannelMetricsTests {

	static final String CHANNEL_PROPERTIES = "spring.grpc.client.channel." + CHANNEL + ".";

	static final String METHOD_0 = CHANNEL_PROPERTIES + "service-config.method[0].";

	@Override
	protected AutoConfigurations springGrpcClient() {
		return springBootGrpcClient();
	}

	@Override
	protected ApplicationContextRunner retryingChannel(ApplicationContextRunner runner, String address) {
		return runner.withPropertyValues(retryingChannelProperties(address));
	}

	static AutoConfigurations springBootGrpcClient() {
		return AutoConfigurations.of(SslAutoConfiguration.class, GrpcClientAutoConfiguration.class,
				CompositeChannelFactoryAutoConfiguration.class, GrpcClientObservationAutoConfiguration.class);
	}

	static String[] retryingChannelProperties(String address) {
		return new String[] { CHANNEL_PROPERTIES + "target=" + address, METHOD_0 + "name[0].service=echo.Echo",
				METHOD_0 + "retry.max-attempts=4", METHOD_0 + "retry.initial-backoff=100ms",
				METHOD_0 + "retry.max-backoff=100ms", METHOD_0 + "retry.backoff-multiplier=1.0",
				METHOD_0 + "retry.retryable-status-codes=UNAVAILABLE" };
	}

}
