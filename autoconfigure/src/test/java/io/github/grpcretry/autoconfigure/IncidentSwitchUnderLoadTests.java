package io.github.grpcretry.autoconfigure;

import java.time.Duration;
import java.util.Map;

import io.github.grpcretry.internal.channel.ClientServiceConfig;
import io.github.grpcretry.internal.channel.GrpcChannelFactory;
import io.github.grpcretry.test.ConcurrentCallers;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.PerCallSummaries;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The incident switch flipped while 8 threads call: no call fails because of a change (every status is the
 * server's), and the attempt metrics stay exact across the changes, each call counted under the policy it ran with.
 */
class IncidentSwitchUnderLoadTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	private static final int THREADS = 8;

	private static final int SWITCHES = 24;

	@Test
	void callsStayExactAndNoneFailsBecauseOfAChange() throws Exception {
		// Every other request fails: with retries on a call retries once and succeeds; with them off, half fail.
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.failAllButEvery(2))) {
			new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
				.withBean(SimpleMeterRegistry.class)
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext", ENTRY_0 + "name[0].service=echo.Echo",
						ENTRY_0 + "retry-policy.max-attempts=4", ENTRY_0 + "retry-policy.initial-backoff=1ms",
						ENTRY_0 + "retry-policy.max-backoff=1ms", ENTRY_0 + "retry-policy.backoff-multiplier=1",
						ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE")
				.run((context) -> {
					ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
					ClientServiceConfig serviceConfig = context.getBean(GrpcChannelFactory.class)
						.clientServiceConfig("echo");
					ConcurrentCallers callers = ConcurrentCallers.start(channel, THREADS);
					for (int i = 0; i < SWITCHES; i++) {
						serviceConfig.switchRetries(i % 2 == 0).complete(Duration.ofSeconds(5));
						// Calls under each policy before the next switch.
						int before = server.requestCount();
						await().atMost(Duration.ofSeconds(10))
							.pollInterval(Duration.ofMillis(5))
							.until(() -> server.requestCount() >= before + 20);
					}
					Map<Status.Code, Long> statuses = callers.stop();

					assertThat(statuses.keySet()).containsOnly(Status.Code.OK, Status.Code.UNAVAILABLE);
					long callsMade = statuses.values().stream().mapToLong(Long::longValue).sum();
					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					assertThat(meters.calls()).isEqualTo(callsMade);
					assertThat(meters.attempts()).isEqualTo(server.requestCount());
					// Both policies ran: calls that failed after their one attempt, and calls a retry rescued.
					assertThat(meters.calls("outcome", "failed_without_retry")).isPositive();
					assertThat(meters.calls("outcome", "success_with_retry")).isPositive();
					PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
				});
		}
	}

}
