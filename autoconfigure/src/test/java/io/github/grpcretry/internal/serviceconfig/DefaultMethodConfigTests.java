package io.github.grpcretry.internal.serviceconfig;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.EchoTestServer.Request;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.tuple;

/**
 * A method-config entry without {@code name} is the client's default, as gRPC's service config defines an empty
 * name: it governs every method that no other entry names, against a grpc-java server in-process.
 */
class DefaultMethodConfigTests {

	private static final String CLIENT = "grpc.clients.echo.";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withPropertyValues(CLIENT + "negotiation-type=plaintext",
				// Names OtherEcho, without a policy: OtherEcho is not retried.
				CLIENT + "method-config[0].name[0].service=echo.Echo",
				CLIENT + "method-config[0].name[0].method=OtherEcho", CLIENT + "method-config[0].timeout=10s",
				// Names nothing: every other method of the client is retried.
				CLIENT + "method-config[1].retry-policy.max-attempts=4",
				CLIENT + "method-config[1].retry-policy.initial-backoff=.01s",
				CLIENT + "method-config[1].retry-policy.max-backoff=.01s",
				CLIENT + "method-config[1].retry-policy.backoff-multiplier=1",
				CLIENT + "method-config[1].retry-policy.retryable-status-codes=UNAVAILABLE");

	@Test
	void clientWideRetryPolicyRetriesAMethodNoOtherEntryNames() {
		try (EchoTestServer server = EchoTestServer.inProcess(
				EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)))) {
			this.contextRunner.withPropertyValues(CLIENT + "address=" + server.address()).run((context) -> {
				assertThat(context).hasNotFailed();
				EchoGrpc.EchoBlockingStub echo = EchoGrpc
					.newBlockingStub(context.getBean("echoManagedChannel", ManagedChannel.class));
				assertThatExceptionOfType(StatusRuntimeException.class)
					.isThrownBy(() -> echo.unaryEcho(EchoRequest.newBuilder().setMessage("unnamed").build()));
				assertThatExceptionOfType(StatusRuntimeException.class)
					.isThrownBy(() -> echo.otherEcho(EchoRequest.newBuilder().setMessage("named").build()));
				assertThat(server.requests()).extracting(Request::message, Request::previousAttempts)
					.containsExactly(tuple("unnamed", 0),
							tuple("unnamed", 1),
							tuple("unnamed", 2),
							tuple("unnamed", 3),
							tuple("named", 0));
			});
		}
	}

}
