package io.github.grpcretry.internal.channel;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The channel factory on its own, as code outside Spring may use it.
 */
class GrpcChannelFactoryTests {

	private static final String SERVER_NAME = "grpc-channel-factory-tests";

	@Test
	void channelRequestedAfterCloseIsShutDownAtOnce() throws InterruptedException {
		try (EchoTestServer server = EchoTestServer.inProcess(SERVER_NAME, (n) -> Answer.ok())) {
			GrpcChannelFactory factory = new GrpcChannelFactory(
					clients(Map.of("grpc.clients.echo.address", "in-process:" + SERVER_NAME)), (bundle) -> null,
					List.of());
			factory.close();
			ManagedChannel channel = factory.createChannel("echo");
			assertThat(channel.isShutdown()).isTrue();
			assertThat(channel.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
			assertThatExceptionOfType(StatusRuntimeException.class)
				.isThrownBy(() -> EchoGrpc.newBlockingStub(channel)
					.unaryEcho(EchoRequest.newBuilder().setMessage("late").build()))
				.extracting((ex) -> ex.getStatus().getCode())
				.isEqualTo(Status.Code.UNAVAILABLE);
			assertThat(server.requestCount()).isZero();
		}
	}

	private static GrpcClientsProperties clients(Map<String, String> properties) {
		return new Binder(new MapConfigurationPropertySource(properties))
			.bind(GrpcClientsProperties.PREFIX, GrpcClientsProperties.class)
			.get();
	}

}
