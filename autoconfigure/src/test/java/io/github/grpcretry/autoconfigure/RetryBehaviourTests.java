package io.github.grpcretry.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

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
 * Retries through the starter's channels against a grpc-java server in-process: retries are grpc-java's channel's,
 * whatever the transport.
 */
class RetryBehaviourTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	private static final String ENTRY_1 = "grpc.clients.echo.method-config[1].";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class);

	@Test
	void seedScenarioTenCallsAgainstServerFailingThreeOfFourAllSucceedAfterFortyAttempts() {
		try (EchoTestServer server = EchoTestServer.inProcess(EchoTestServer.failAllButEvery(4))) {
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
						.containsExactlyElementsOf(IntStream.range(0, 40).map((n) -> n % 4).boxed().toList());
					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					assertThat(meters.attempts("kind", "initial")).isEqualTo(10);
					assertThat(meters.attempts("kind", "retry")).isEqualTo(30);
					assertThat(meters.attempts("status", "UNAVAILABLE")).isEqualTo(30);
					assertThat(meters.attempts("status", "OK")).isEqualTo(10);
					assertThat(meters.calls("outcome", "success_with_retry")).isEqualTo(10);
					assertThat(meters.calls()).isEqualTo(10);
					PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
				});
		}
	}

	@Test
	void callFailsWithTheLastStatusOnceMaxAttemptsAreExhausted() {
		try (EchoTestServer server = alwaysFailing(Status.Code.UNAVAILABLE)) {
			this.contextRunner
				.withPropertyValues(client(server, ENTRY_0 + "name[0].service=echo.Echo",
						ENTRY_0 + "name[0].method=UnaryEcho", ENTRY_0 + "retry-policy.max-attempts=3",
						ENTRY_0 + "retry-policy.initial-backoff=10ms", ENTRY_0 + "retry-policy.max-backoff=10ms",
						ENTRY_0 + "retry-policy.backoff-multiplier=1",
						ENTRY_0 + "retry-policy.retryable-status-codes=unavailable"))
				.run((context) -> {
					assertThatExceptionOfType(StatusRuntimeException.class)
						.isThrownBy(() -> echo(context).unaryEcho(request("hello")))
						.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
					assertThat(previousAttempts(server)).containsExactly(0, 1, 2);
					Meters meters = meters(context);
					assertThat(meters.attempts("kind", "initial", "status", "UNAVAILABLE")).isEqualTo(1);
					assertThat(meters.attempts("kind", "retry", "status", "UNAVAILABLE")).isEqualTo(2);
					assertThat(meters.calls("outcome", "failed_with_retry", "status", "UNAVAILABLE")).isEqualTo(1);
					assertThat(meters.calls()).isEqualTo(1);
					assertThat(meters.recordedCalls("grpc.client.call.retries")).isEqualTo(1);
					assertThat(meters.total("grpc.client.call.retries")).isEqualTo(2);
					PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
				});
		}
	}

	@Test
	void statusCodeOutsideTheRetryableCodesIsNotRetried() {
		try (EchoTestServer server = alwaysFailing(Status.Code.INTERNAL)) {
			this.contextRunner
				.withPropertyValues(client(server, ENTRY_0 + "name[0].service=echo.Echo",
						ENTRY_0 + "name[0].method=UnaryEcho", ENTRY_0 + "retry-policy.max-attempts=4",
						ENTRY_0 + "retry-policy.initial-backoff=10ms", ENTRY_0 + "retry-policy.max-backoff=10ms",
						ENTRY_0 + "retry-policy.backoff-multiplier=1",
						ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE,resource-exhausted"))
				.run((context) -> {
					assertThatExceptionOfType(StatusRuntimeException.class)
						.isThrownBy(() -> echo(context).unaryEcho(request("hello")))
						.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
					assertThat(server.requestCount()).isEqualTo(1);
					Meters meters = meters(context);
					assertThat(meters.attempts()).isEqualTo(1);
					assertThat(meters.attempts("kind", "initial", "status", "INTERNAL")).isEqualTo(1);
					assertThat(meters.calls("outcome", "failed_without_retry", "status", "INTERNAL")).isEqualTo(1);
					// gRFC A96: a call that made no retry records none, rather than a 0.
					assertThat(meters.recordedCalls("grpc.client.call.retries")).isZero();
				});
		}
	}

	@Test
	void methodTheConfigurationDoesNotNameIsNotRetried() {
		try (EchoTestServer server = alwaysFailing(Status.Code.UNAVAILABLE)) {
			this.contextRunner
				.withPropertyValues(client(server, ENTRY_0 + "name[0].service=echo.Echo",
						ENTRY_0 + "name[0].method=UnaryEcho", ENTRY_0 + "retry-policy.max-attempts=3",
						ENTRY_0 + "retry-policy.initial-backoff=10ms", ENTRY_0 + "retry-policy.max-backoff=10ms",
						ENTRY_0 + "retry-policy.backoff-multiplier=1",
						ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE"))
				.run((context) -> {
					assertThatExceptionOfType(StatusRuntimeException.class)
						.isThrownBy(() -> echo(context).otherEcho(request("other")));
					assertThatExceptionOfType(StatusRuntimeException.class)
						.isThrownBy(() -> echo(context).unaryEcho(request("unary")));
					assertThat(requestsTo(server, "OtherEcho")).isEqualTo(1);
					assertThat(requestsTo(server, "UnaryEcho")).isEqualTo(3);
					Meters meters = meters(context);
					assertThat(meters.attempts("method", "echo.Echo/OtherEcho")).isEqualTo(1);
					assertThat(meters.calls("method", "echo.Echo/OtherEcho", "outcome", "failed_without_retry"))
						.isEqualTo(1);
					assertThat(meters.calls("method", "echo.Echo/UnaryEcho", "outcome", "failed_with_retry"))
						.isEqualTo(1);
				});
		}
	}

	@Test
	void serviceWideEntryRetriesEveryMethodOfTheService() {
		try (EchoTestServer server = alwaysFailing(Status.Code.UNAVAILABLE)) {
			this.contextRunner
				.withPropertyValues(client(server, ENTRY_0 + "name[0].service=echo.Echo",
						ENTRY_0 + "retry-policy.max-attempts=3", ENTRY_0 + "retry-policy.initial-backoff=10ms",
						ENTRY_0 + "retry-policy.max-backoff=10ms", ENTRY_0 + "retry-policy.backoff-multiplier=1",
						ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE"))
				.run((context) -> {
					assertThatExceptionOfType(StatusRuntimeException.class)
						.isThrownBy(() -> echo(context).unaryEcho(request("unary")));
					assertThatExceptionOfType(StatusRuntimeException.class)
						.isThrownBy(() -> echo(context).otherEcho(request("other")));
					assertThat(requestsTo(server, "UnaryEcho")).isEqualTo(3);
					assertThat(requestsTo(server, "OtherEcho")).isEqualTo(3);
					Meters meters = meters(context);
					assertThat(meters.attempts("method", "echo.Echo/UnaryEcho", "kind", "retry")).isEqualTo(2);
					assertThat(meters.attempts("method", "echo.Echo/OtherEcho", "kind", "retry")).isEqualTo(2);
					PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
				});
		}
	}

	@Test
	void methodEntryWinsOverServiceWideEntry() {
		try (EchoTestServer server = alwaysFailing(Status.Code.UNAVAILABLE)) {
			this.contextRunner
				.withPropertyValues(client(server, ENTRY_0 + "name[0].service=echo.Echo",
						ENTRY_0 + "retry-policy.max-attempts=2", ENTRY_0 + "retry-policy.initial-backoff=10ms",
						ENTRY_0 + "retry-policy.max-backoff=10ms", ENTRY_0 + "retry-policy.backoff-multiplier=1",
						ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE",
						ENTRY_1 + "name[0].service=echo.Echo", ENTRY_1 + "name[0].method=OtherEcho",
						ENTRY_1 + "retry-policy.max-attempts=4", ENTRY_1 + "retry-policy.initial-backoff=10ms",
						ENTRY_1 + "retry-policy.max-backoff=10ms", ENTRY_1 + "retry-policy.backoff-multiplier=1",
						ENTRY_1 + "retry-policy.retryable-status-codes=UNAVAILABLE"))
				.run((context) -> {
					assertThatExceptionOfType(StatusRuntimeException.class)
						.isThrownBy(() -> echo(context).otherEcho(request("other")));
					assertThatExceptionOfType(StatusRuntimeException.class)
						.isThrownBy(() -> echo(context).unaryEcho(request("unary")));
					assertThat(requestsTo(server, "OtherEcho")).isEqualTo(4);
					assertThat(requestsTo(server, "UnaryEcho")).isEqualTo(2);
				});
		}
	}

	@Test
	void maxAttemptsAboveTheCapOfFiveThatGrpcAppliesAloneIsHonoured() {
		try (EchoTestServer server = alwaysFailing(Status.Code.UNAVAILABLE)) {
			this.contextRunner
				.withPropertyValues(client(server, ENTRY_0 + "name[0].service=echo.Echo",
						ENTRY_0 + "retry-policy.max-attempts=7", ENTRY_0 + "retry-policy.initial-backoff=.005s",
						ENTRY_0 + "retry-policy.max-backoff=.005s", ENTRY_0 + "retry-policy.backoff-multiplier=1",
						ENTRY_0 + "retry-policy.retryable-status-codes=14"))
				.run((context) -> {
					assertThatExceptionOfType(StatusRuntimeException.class)
						.isThrownBy(() -> echo(context).unaryEcho(request("hello")));
					assertThat(previousAttempts(server)).containsExactly(0, 1, 2, 3, 4, 5, 6);
					Meters meters = meters(context);
					assertThat(meters.attempts()).isEqualTo(7);
					assertThat(meters.total("grpc.client.call.retries")).isEqualTo(6);
					PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
				});
		}
	}

	private static EchoTestServer alwaysFailing(Status.Code code) {
		return EchoTestServer.inProcess(EchoTestServer.always(Answer.fail(code)));
	}

	private static String[] client(EchoTestServer server, String... methodConfig) {
		List<String> properties = new ArrayList<>();
		properties.add("grpc.clients.echo.address=" + server.address());
		properties.add("grpc.clients.echo.negotiation-type=plaintext");
		properties.addAll(List.of(methodConfig));
		return properties.toArray(String[]::new);
	}

	private static EchoGrpc.EchoBlockingStub echo(AssertableApplicationContext context) {
		return EchoGrpc.newBlockingStub(context.getBean("echoManagedChannel", ManagedChannel.class));
	}

	private static Meters meters(AssertableApplicationContext context) {
		return new Meters(context.getBean(MeterRegistry.class));
	}

	private static EchoRequest request(String message) {
		return EchoRequest.newBuilder().setMessage(message).build();
	}

	private static List<Integer> previousAttempts(EchoTestServer server) {
		return server.requests().stream().map(Request::previousAttempts).toList();
	}

	private static long requestsTo(EchoTestServer server, String method) {
		return server.requests().stream().filter((request) -> request.method().equals("echo.Echo/" + method)).count();
	}

}
