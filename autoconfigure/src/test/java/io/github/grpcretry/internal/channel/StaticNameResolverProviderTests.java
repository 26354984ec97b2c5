package io.github.grpcretry.internal.channel;

import java.time.Duration;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code static://h1:p1,h2:p2} address reaches every backend it lists.
 */
class StaticNameResolverProviderTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class));

	@Test
	void staticAddressWithTwoBackendsSendsCallsToBoth() {
		try (EchoTestServer first = EchoTestServer.onLoopback((n) -> EchoTestServer.Answer.ok());
				EchoTestServer second = EchoTestServer.onLoopback((n) -> EchoTestServer.Answer.ok())) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=static://" + first.address() + ", " + second.address(),
						"grpc.clients.echo.negotiation-type=plaintext")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					EchoGrpc.EchoBlockingStub echo = EchoGrpc
						.newBlockingStub(context.getBean("echoManagedChannel", ManagedChannel.class));
					await().atMost(Duration.ofSeconds(5)).until(() -> {
						echo.unaryEcho(EchoRequest.newBuilder().setMessage("hello").build());
						return first.requestCount() > 0 && second.requestCount() > 0;
					});
				});
		}
	}

	@Test
	void targetMovesTheBackendListIntoThePath() {
		assertThat(StaticNameResolverProvider.target("static://127.0.0.1:50051, localhost:50052"))
			.isEqualTo("static:///127.0.0.1:50051,localhost:50052");
	}

	@Test
	void targetPercentEncodesIpv6Brackets() {
		assertThat(StaticNameResolverProvider.target("static://[::1]:50051,127.0.0.1:50052"))
			.isEqualTo("static:///%5B::1%5D:50051,127.0.0.1:50052");
	}

	@Test
	void targetLeavesOtherAddressesAlone() {
		assertThat(StaticNameResolverProvider.target("dns:///localhost:50051")).isEqualTo("dns:///localhost:50051");
		assertThat(StaticNameResolverProvider.target("localhost:50051")).isEqualTo("localhost:50051");
	}

}
