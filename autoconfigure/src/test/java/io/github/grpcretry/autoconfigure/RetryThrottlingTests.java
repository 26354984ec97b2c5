package io.github.grpcretry.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.EchoTestServer.Request;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.PerCallSummaries;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Retry throttling (gRFC A6) through the starter's channels against a grpc-java server in-process. The token
 * count starts at {@code max-tokens}; each failed attempt with a retryable code takes one token, and is retried only
 * if more than half of {@code max-tokens} is left after that (grpc-java counts in thousandths and compares with
 * {@code >}); each successful call gives back {@code token-ratio}, up to {@code max-tokens}.
 */
class RetryThrottlingTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class)
		.withPropertyValues("grpc.clients.echo.negotiation-type=plaintext", ENTRY_0 + "name[0].service=echo.Echo",
				ENTRY_0 + "retry-policy.max-attempts=5", ENTRY_0 + "retry-policy.initial-backoff=5ms",
				ENTRY_0 + "retry-policy.max-backoff=5ms", ENTRY_0 + "retry-policy.backoff-multiplier=1",
				ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE",
				"grpc.clients.echo.retry-throttling.max-tokens=10",
				"grpc.clients.echo.retry-throttling.token-ratio=0.1");

	@Test
	void failuresUseUpTheTokensAndStopRetries() {
		try (EchoTestServer server = EchoTestServer.inProcess(
				EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)))) {
			this.contextRunner.withPropertyValues("grpc.clients.echo.address=" + server.address()).run((context) -> {
				for (int i = 0; i < 6; i++) {
					failingUnaryEcho(context, "call " + i);
				}
				// Tokens 10 -> 9, 8, 7, 6 (each above 5: retried) -> 5 at the fifth attempt, the last one anyway;
				// then every call's only attempt takes the count to 4, 3, 2, 1, 0: 10 requests, not 30.
				assertThat(server.requests()).extracting(Request::previousAttempts)
					.containsExactly(0, 1, 2, 3, 4, 0, 0, 0, 0, 0);
				Meters meters = new Meters(context.getBean(MeterRegistry.class));
				assertThat(meters.attempts()).isEqualTo(10);
				assertThat(meters.calls("outcome", "failed_with_retry")).isEqualTo(1);
				assertThat(meters.calls("outcome", "failed_without_retry")).isEqualTo(5);
				assertThat(meters.total("grpc.client.call.retries")).isEqualTo(4);
				PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
			});
		}
	}

	@Test
	void successesGiveTokensBackUntilRetriesResume() {
		try (EchoTestServer server = EchoTestServer.inProcessByRequest((request) -> isUnaryEcho(request)
				? Answer.fail(Status.Code.UNAVAILABLE) : Answer.ok())) {
			this.contextRunner.withPropertyValues("grpc.clients.echo.address=" + server.address()).run((context) -> {
				for (int i = 0; i < 5; i++) {
					failingUnaryEcho(context, "failing " + i);
				}
				// 5 attempts, then 1 each: 1 token left.
				assertThat(unaryEchoPreviousAttempts(server)).containsExactly(0, 1, 2, 3, 4, 0, 0, 0, 0);
				EchoGrpc.EchoBlockingStub echo = EchoGrpc
					.newBlockingStub(context.getBean("echoManagedChannel", ManagedChannel.class));
				for (int i = 0; i < 60; i++) {
					echo.otherEcho(EchoRequest.newBuilder().setMessage("succeeding " + i).build());
				}
				// 1 + 60 x 0.1 = 7 tokens: the failure takes it to 6, above 5, and is retried; the retry's failure
				// takes it to 5, not above 5, and ends the call.
				failingUnaryEcho(context, "after successes");
				assertThat(unaryEchoPreviousAttempts(server)).containsExactly(0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 1);
				Meters meters = new Meters(context.getBean(MeterRegistry.class));
				assertThat(meters.attempts("method", EchoGrpc.getUnaryEchoMethod().getFullMethodName()))
					.isEqualTo(11);
				PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
			});
		}
	}

	private static void failingUnaryEcho(AssertableApplicationContext context, String message) {
		EchoGrpc.EchoBlockingStub echo = EchoGrpc
			.newBlockingStub(context.getBean("echoManagedChannel", ManagedChannel.class));
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> echo.unaryEcho(EchoRequest.newBuilder().setMessage(message).build()));
	}

	private static boolean isUnaryEcho(Request request) {
		return request.method().equals(EchoGrpc.getUnaryEchoMethod().getFullMethodName());
	}

	private static List<Integer> unaryEchoPreviousAttempts(EchoTestServer server) {
		List<Integer> previousAttempts = new ArrayList<>();
		for (Request request : server.requests()) {
			if (isUnaryEcho(request)) {
				previousAttempts.add(request.previousAttempts());
			}
		}
		return previousAttempts;
	}

}
