package io.github.grpcretry.springgrpc;

import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.CompositeChannelFactoryAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.grpc.client.GrpcChannelFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

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

	@Test
	void callsAreJudgedByTheTypedServiceConfigSpringBootHandsTheChannel() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(
				Status.Code.UNAVAILABLE)))) {
			contextRunner().withConfiguration(AutoConfigurations.of(SpringBootServiceConfigAutoConfiguration.class))
				.withPropertyValues(retryingChannelProperties(server.address()))
				.run((context) -> {
					GrpcChannelFactory channels = context.getBean(GrpcChannelFactory.class);
					failOnce(channels.createChannel(CHANNEL));
					// An address without a channel of its own, and no default channel: no service config at all.
					failOnce(channels.createChannel("static://" + server.address()));
					assertThat(server.requestCount()).isEqualTo(4 + 1);
					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					assertThat(meters.calls("client", CHANNEL, "retry_stop", "max_attempts")).isEqualTo(1);
					assertThat(meters.calls("client", "static://" + server.address(), "retry_stop", "no_policy"))
						.isEqualTo(1);
				});
		}
	}

	private static void failOnce(ManagedChannel channel) {
		try {
			EchoRequest request = EchoRequest.newBuilder().setMessage("x").build();
			assertThatExceptionOfType(StatusRuntimeException.class)
				.isThrownBy(() -> EchoGrpc.newBlockingStub(channel).unaryEcho(request));
		}
		finally {
			channel.shutdownNow();
		}
	}

}
