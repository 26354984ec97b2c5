package io.github.grpcretry.autoconfigure;

import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.PerCallSummaries;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client with a fixed set of backends ({@code static://}) against real grpc-java servers on loopback.
 */
class StaticBackendsTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class);

	@Test
	void roundRobinRetriesOnAnotherBackendSoEveryCallSucceedsDespiteOneFailingBackend() {
		try (EchoTestServer healthy1 = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()));
				EchoTestServer failing = EchoTestServer.onLoopback(
						EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)));
				EchoTestServer healthy2 = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()))) {
			this.contextRunner
				.withPropertyValues(
						"grpc.clients.echo.address=static://" + healthy1.address() + "," + failing.address() + ","
								+ healthy2.address(),
						"grpc.clients.echo.negotiation-type=plaintext", ENTRY_0 + "name[0].service=echo.Echo",
						ENTRY_0 + "retry-policy.max-attempts=5", ENTRY_0 + "retry-policy.initial-backoff=20ms",
						ENTRY_0 + "retry-policy.max-backoff=20ms", ENTRY_0 + "retry-policy.backoff-multiplier=1",
						ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE")
				.run((context) -> {
					EchoGrpc.EchoBlockingStub echo = EchoGrpc
						.newBlockingStub(context.getBean("echoManagedChannel", ManagedChannel.class));
					for (int i = 0; i < 30; i++) {
						assertThat(echo.unaryEcho(EchoRequest.newBuilder().setMessage("call " + i).build())
							.getMessage()).isEqualTo("call " + i);
					}
					assertThat(failing.requestCount()).isPositive();
					assertThat(healthy1.requestCount()).isPositive();
					assertThat(healthy2.requestCount()).isPositive();
					assertThat(healthy1.requestCount() + healthy2.requestCount()).isEqualTo(30);
					long retriedOnAHealthyBackend = retried(healthy1) + retried(healthy2);
					assertThat(retriedOnAHealthyBackend).isPositive();
					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					assertThat(meters.attempts("status", "UNAVAILABLE")).isEqualTo(failing.requestCount());
					assertThat(meters.attempts("status", "OK")).isEqualTo(30);
					assertThat(meters.calls("outcome", "success_with_retry")).isEqualTo(retriedOnAHealthyBackend);
					assertThat(meters.calls("status", "OK")).isEqualTo(30);
					PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
				});
		}
	}

	private static long retried(EchoTestServer server) {
		return server.requests().stream().filter((request) -> request.previousAttempts() > 0).count();
	}

}
