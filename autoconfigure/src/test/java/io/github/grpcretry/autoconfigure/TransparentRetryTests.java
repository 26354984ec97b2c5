package io.github.grpcretry.autoconfigure;

import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.EchoTestServer.Request;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.PerCallSummaries;
import io.github.grpcretry.test.RefuseFirstStreamProxy;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Transparent retries through the starter's channels: a stream refused before any server application saw it (an
 * HTTP/2 GOAWAY naming no stream) is sent again by grpc-java itself, and counted apart from retries.
 */
class TransparentRetryTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class);

	@Test
	void refusedStreamIsRetriedTransparentlyAndCountedAsSuch() throws Exception {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()));
				RefuseFirstStreamProxy proxy = RefuseFirstStreamProxy.to(server)) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + proxy.address(),
						"grpc.clients.echo.negotiation-type=plaintext")
				.run((context) -> {
					EchoGrpc.EchoBlockingStub echo = EchoGrpc
						.newBlockingStub(context.getBean("echoManagedChannel", ManagedChannel.class));
					assertThat(echo.unaryEcho(EchoRequest.newBuilder().setMessage("hello").build()).getMessage())
						.isEqualTo("hello");
					assertThat(proxy.refusedStreams()).isEqualTo(1);
					assertThat(server.requests()).extracting(Request::previousAttempts).containsExactly(0);
					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					assertThat(meters.attempts("kind", "initial", "status", "UNAVAILABLE")).isEqualTo(1);
					assertThat(meters.attempts("kind", "transparent_retry", "status", "OK")).isEqualTo(1);
					assertThat(meters.attempts()).isEqualTo(2);
					assertThat(meters.calls("outcome", "success_without_retry", "status", "OK")).isEqualTo(1);
					assertThat(meters.total("grpc.client.call.transparent_retries")).isEqualTo(1);
					assertThat(meters.total("grpc.client.call.retries")).isZero();
					PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
				});
		}
	}

}
