package io.github.grpcretry.springgrpc;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.CompositeChannelFactoryAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Spring gRPC 1.0 on Spring Boot 4.0: a channel under {@code spring.grpc.client.channels.<name>}, retrying by the
 * service config written as a map in its properties.
 */
class SpringGrpcChannelMetricsTests extends AbstractSpringGrpcChannelMetricsTests {

	private static final String CHANNEL_PROPERTIES = "spring.grpc.client.channels." + CHANNEL + ".";

	private static final String METHOD_0 = CHANNEL_PROPERTIES + "service-config.methodConfig[0].";

	@Override
	protected AutoConfigurations springGrpcClient() {
		return AutoConfigurations.of(SslAutoConfiguration.class, GrpcClientAutoConfiguration.class,
				CompositeChannelFactoryAutoConfiguration.class, GrpcClientObservationAutoConfiguration.class);
	}

	@Override
	protected ApplicationContextRunner retryingChannel(ApplicationContextRunner runner, String address) {
		return runner.withPropertyValues(CHANNEL_PROPERTIES + "address=" + address,
				METHOD_0 + "name[0].service=echo.Echo", METHOD_0 + "retryPolicy.maxAttempts=4",
				METHOD_0 + "retryPolicy.initialBackoff=0.01s", METHOD_0 + "retryPolicy.maxBackoff=0.01s",
				METHOD_0 + "retryPolicy.backoffMultiplier=1.0",
				METHOD_0 + "retryPolicy.retryableStatusCodes[0]=UNAVAILABLE");
	}

}
