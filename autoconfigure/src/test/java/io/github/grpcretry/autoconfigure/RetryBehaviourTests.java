package io.github.grpcretry.autoconfigure;

import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Request;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retries through the starter's channels against a real grpc-java server on loopback.
 */
class RetryBehaviourTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class);

	@Test
	void seedScenarioTenCallsAgainstServerFailingThreeOfFourAllSucceedAfterFortyAttempts() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.failAllButEvery(4))) {
			this.contextRunner.withPropertyValues("grpc.clients.echo.address=" + server.address(),
					"grpc.clients.echo.negotiation-type=plaintext",
					"grpc.clients.echo.method-config[0].name[0].service=echo.Echo",
					"grpc.clients.echo.method-config[0].name[0].method=UnaryEcho",
					"grpc.clients.echo.method-config[0].retry-policy.max-attempts=4",
					"grpc.clients.echo.method-config[0].retry-policy.initial-backoff=.01s",
					"grpc.clients.echo.method-config[0].retry-policy.max-backoff=.01s",
					"grpc.clients.echo.method-config[0].retry-policy.backoff-multiplier=1.0",
					"grpc.clients.echo.method-config[0].retry-policy.retryable-status-codes=UNAVAILABLE")
				.run((context) -> {
					ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
					EchoGrpc.EchoBlockingStub echo = EchoGrpc.newBlockingStub(channel);
					for (int i = 0; i < 10; i++) {
						assertThat(echo.unaryEcho(EchoRequest.newBuilder().setMessage("hello " + i).build())
							.getMessage()).isEqualTo("hello " + i);
					}
					assertThat(server.requestCount()).isEqualTo(40);
					assertThat(server.requests().stream().map(Request::previousAttempts).toList())
						.containsExactlyElementsOf(java.util.stream.IntStream.range(0, 40).map((n) -> n % 4).boxed().toList());
					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					assertThat(meters.attempts("kind", "initial")).isEqualTo(10);
					assertThat(meters.attempts("kind", "retry")).isEqualTo(30);
					assertThat(meters.attempts("status", "UNAVAILABLE")).isEqualTo(30);
					assertThat(meters.attempts("status", "OK")).isEqualTo(10);
					assertThat(meters.calls("outcome", "success_with_retry")).isEqualTo(10);
					assertThat(meters.calls()).isEqualTo(10);
				});
		}
	}

}
