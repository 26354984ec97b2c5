package io.github.grpcretry.autoconfigure;

import java.time.Duration;
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
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hedging through the starter's channels against a grpc-java server in-process: hedging is grpc-java's channel's,
 * whatever the transport.
 */
class HedgingBehaviourTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	private static final Duration SLOW_ANSWER = Duration.ofSeconds(2);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class);

	@Test
	void hedgeAnswersWhileTheFirstAttemptIsStillSlow() {
		try (EchoTestServer server = EchoTestServer.inProcessByRequest((request) -> isFirstAttemptOfUnaryEcho(request)
				? Answer.okAfter(SLOW_ANSWER) : Answer.ok())) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext", ENTRY_0 + "name[0].service=echo.Echo",
						ENTRY_0 + "name[0].method=UnaryEcho", ENTRY_0 + "hedging-policy.max-attempts=2",
						ENTRY_0 + "hedging-policy.hedging-delay=100ms")
				.run((context) -> {
					EchoGrpc.EchoBlockingStub echo = EchoGrpc
						.newBlockingStub(context.getBean("echoManagedChannel", ManagedChannel.class));
					// Connected first through the unhedged method, so that the latencies below are the hedging's.
					echo.otherEcho(EchoRequest.newBuilder().setMessage("connect").build());
					List<Duration> latencies = new ArrayList<>();
					for (int i = 0; i < 3; i++) {
						long start = System.nanoTime();
						assertThat(echo.unaryEcho(EchoRequest.newBuilder().setMessage("hedged " + i).build())
							.getMessage()).isEqualTo("hedged " + i);
						latencies.add(Duration.ofNanos(System.nanoTime() - start));
					}
					// The hedge, sent after its 100 ms delay, answered: no call waited for the slow first attempt. (How
					// soon after the delay is for the benchmarks: on a loaded two-core machine it took up to 0.7 s.)
					assertThat(latencies).allSatisfy((latency) -> assertThat(latency)
						.isGreaterThanOrEqualTo(Duration.ofMillis(100))
						.isLessThan(SLOW_ANSWER.dividedBy(2)));
					for (int i = 0; i < 3; i++) {
						String message = "hedged " + i;
						assertThat(server.requests()).filteredOn((request) -> request.message().equals(message))
							.extracting(Request::previousAttempts)
							.containsExactlyInAnyOrder(0, 1);
					}
					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					String unaryEcho = EchoGrpc.getUnaryEchoMethod().getFullMethodName();
					// A call is recorded once its last attempt has ended, the slow first one that the winning hedge
					// cancelled included: then every attempt of it is counted.
					await().atMost(Duration.ofSeconds(5))
						.untilAsserted(() -> assertThat(meters.calls("method", unaryEcho)).isEqualTo(3));
					assertThat(meters.calls("method", unaryEcho, "outcome", "success_with_retry", "status", "OK"))
						.isEqualTo(3);
					assertThat(meters.attempts("method", unaryEcho, "kind", "hedge", "status", "OK")).isEqualTo(3);
					assertThat(meters.attempts("method", unaryEcho, "kind", "initial", "status", "CANCELLED"))
						.isEqualTo(3);
					assertThat(meters.attempts("method", unaryEcho)).isEqualTo(6);
					assertThat(meters.recordedCalls("grpc.client.call.hedges", "method", unaryEcho)).isEqualTo(3);
					assertThat(meters.total("grpc.client.call.hedges", "method", unaryEcho)).isEqualTo(3);
					assertThat(meters.recordedCalls("grpc.client.call.retries", "method", unaryEcho)).isZero();
					PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
				});
		}
	}

	private static boolean isFirstAttemptOfUnaryEcho(Request request) {
		return request.method().equals(EchoGrpc.getUnaryEchoMethod().getFullMethodName())
				&& request.previousAttempts() == 0;
	}

}
