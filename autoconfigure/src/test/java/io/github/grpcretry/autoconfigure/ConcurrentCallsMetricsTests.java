package io.github.grpcretry.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

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
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The starter's meters under hundreds of concurrent calls with retries, against a grpc-java server in-process:
 * every attempt the server received is counted once, and every call made once.
 */
class ConcurrentCallsMetricsTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	private static final int CALLS = 400;

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class);

	@Test
	void metersCountEveryAttemptAndCallOnceUnderConcurrency() throws Exception {
		// Every third request fails: most calls succeed at once, many after retries, a few fail all five attempts.
		try (EchoTestServer server = EchoTestServer.inProcess(
				(n) -> (n % 3 == 0) ? Answer.fail(Status.Code.UNAVAILABLE) : Answer.ok())) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext", ENTRY_0 + "name[0].service=echo.Echo",
						ENTRY_0 + "retry-policy.max-attempts=5", ENTRY_0 + "retry-policy.initial-backoff=5ms",
						ENTRY_0 + "retry-policy.max-backoff=5ms", ENTRY_0 + "retry-policy.backoff-multiplier=1",
						ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE")
				.run((context) -> {
					EchoGrpc.EchoBlockingStub echo = EchoGrpc
						.newBlockingStub(context.getBean("echoManagedChannel", ManagedChannel.class));
					long succeeded = callConcurrently(echo);
					List<Request> requests = server.requests();
					List<Request> retries = requests.stream()
						.filter((request) -> request.previousAttempts() > 0)
						.toList();
					long retriedCalls = retries.stream().map(Request::message).distinct().count();
					long failed = requests.stream().filter((request) -> request.number() % 3 == 0).count();
					assertThat(retries).isNotEmpty();
					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					// An attempt is counted when grpc-java closes its stream, which can be just after its call returns.
					await().atMost(Duration.ofSeconds(5))
						.untilAsserted(() -> assertThat(meters.attempts()).isEqualTo(requests.size()));
					assertThat(meters.attempts("kind", "initial")).isEqualTo(CALLS);
					assertThat(meters.attempts("kind", "retry")).isEqualTo(retries.size());
					assertThat(meters.attempts("status", "UNAVAILABLE")).isEqualTo(failed);
					assertThat(meters.calls()).isEqualTo(CALLS);
					assertThat(meters.calls("status", "OK")).isEqualTo(succeeded);
					long callsWithRetries = meters.calls("outcome", "success_with_retry")
							+ meters.calls("outcome", "failed_with_retry");
					assertThat(callsWithRetries).isEqualTo(retriedCalls);
					assertThat(meters.recordedCalls("grpc.client.call.retries")).isEqualTo(retriedCalls);
					assertThat(meters.total("grpc.client.call.retries")).isEqualTo(retries.size());
					PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
				});
		}
	}

	private static long callConcurrently(EchoGrpc.EchoBlockingStub echo) throws Exception {
		ExecutorService callers = Executors.newFixedThreadPool(16);
		try {
			List<Future<Boolean>> calls = new ArrayList<>();
			for (int i = 0; i < CALLS; i++) {
				EchoRequest request = EchoRequest.newBuilder().setMessage("call " + i).build();
				calls.add(callers.submit(() -> succeeded(echo, request)));
			}
			long succeeded = 0;
			for (Future<Boolean> call : calls) {
				succeeded += call.get(30, TimeUnit.SECONDS) ? 1 : 0;
			}
			return succeeded;
		}
		finally {
			callers.shutdownNow();
		}
	}

	private static boolean succeeded(EchoGrpc.EchoBlockingStub echo, EchoRequest request) {
		try {
			return echo.unaryEcho(request).getMessage().equals(request.getMessage());
		}
		catch (StatusRuntimeException ex) {
			return false;
		}
	}

}
