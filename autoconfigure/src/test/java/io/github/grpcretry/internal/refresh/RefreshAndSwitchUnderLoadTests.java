package io.github.grpcretry.internal.refresh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.grpcretry.internal.actuate.GrpcClientsEndpointWebExtension;
import io.github.grpcretry.internal.actuate.GrpcClientsView;
import io.github.grpcretry.test.ConcurrentCallers;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.PerCallSummaries;
import io.github.grpcretry.test.WritableEndpoint;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Exact across changes: a call in flight keeps the policy it started with, and under load (8 threads calling while
 * the incident switch, refreshes of a rewritten file and refreshes of a source changed in place change the policy 24
 * times) no call fails because of a change, calls counted equal calls made, attempts counted equal the requests the
 * server received, and every change is counted applied.
 */
class RefreshAndSwitchUnderLoadTests {

	private static final String ENTRY = "grpc.clients.echo.method-config[0].";

	private static final int THREADS = 8;

	private static final int CHANGES = 24;

	@TempDir
	Path directory;

	@Test
	void aCallInBackoffWhenARefreshLowersMaxAttemptsRetriesUpToItsOldOne() throws Exception {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)));
				ConfigurableApplicationContext context = start(server, 4, "300ms")) {
			ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
			CountDownLatch firstAttempt = new CountDownLatch(1);
			ExecutorService caller = Executors.newSingleThreadExecutor();
			try {
				Future<?> inFlight = caller.submit(() -> {
					firstAttempt.countDown();
					assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> call(channel));
				});
				firstAttempt.await();
				// The call's first attempt has failed, and it waits its 300 ms backoff when the refresh lands.
				awaitRequests(server, 1);
				write(server, 2, "300ms");
				context.getBean(ContextRefresher.class).refresh();
				inFlight.get(10, TimeUnit.SECONDS);
			}
			finally {
				caller.shutdownNow();
			}
			assertThat(server.requestCount()).isEqualTo(4);
			assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> call(channel));
			assertThat(server.requestCount()).isEqualTo(4 + 2);
			Meters meters = new Meters(context.getBean(MeterRegistry.class));
			assertThat(meters.attempts()).isEqualTo(6);
			assertThat(meters.attempts("kind", "retry")).isEqualTo(3 + 1);
		}
	}

	@Test
	void callsStayExactAndNoneFailsBecauseOfRefreshesAndTheSwitch() throws Exception {
		// Every third request succeeds: 4 attempts rescue every call, 2 some of them, 1 (the switch) fewer still.
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.failAllButEvery(3));
				ConfigurableApplicationContext context = start(server, 4, "1ms")) {
			ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
			GrpcClientsEndpointWebExtension endpoint = WritableEndpoint.overHttp(context.getBean(GrpcClientsView.class));
			ContextRefresher refresher = context.getBean(ContextRefresher.class);
			// A source the application changes in place, as a database-backed one: a refresh then names no key.
			Map<String, Object> reloaded = new ConcurrentHashMap<>(
					Map.of("grpc.clients.echo.load-balancing-policy", "round_robin"));
			context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("reloaded", reloaded));
			ConcurrentCallers callers = ConcurrentCallers.start(channel, THREADS);
			int fileRefreshes = 0;
			for (int i = 0; i < CHANGES; i++) {
				switch (i % 4) {
					case 0 -> assertThat(endpoint.switchRetries("echo", "off").getStatus()).isEqualTo(200);
					case 1 -> {
						// 2, 3, 4, 2, ... attempts: each a change (the application started with 4).
						write(server, 2 + fileRefreshes++ % 3, "1ms");
						refresher.refresh();
					}
					case 2 -> assertThat(endpoint.switchRetries("echo", "configured").getStatus()).isEqualTo(200);
					default -> {
						reloaded.put("grpc.clients.echo.load-balancing-policy",
								"round_robin".equals(reloaded.get("grpc.clients.echo.load-balancing-policy"))
										? "pick_first" : "round_robin");
						assertThat(refresher.refresh()).isEmpty();
					}
				}
				// Calls under every state the change made.
				int before = server.requestCount();
				await().atMost(Duration.ofSeconds(10))
					.pollInterval(Duration.ofMillis(5))
					.until(() -> server.requestCount() >= before + 20);
			}
			Map<Status.Code, Long> statuses = callers.stop();

			assertThat(statuses.keySet()).containsOnly(Status.Code.OK, Status.Code.UNAVAILABLE);
			long callsMade = statuses.values().stream().mapToLong(Long::longValue).sum();
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			Meters meters = new Meters(registry);
			assertThat(meters.calls()).isEqualTo(callsMade);
			assertThat(meters.attempts()).isEqualTo(server.requestCount());
			assertThat(meters.calls("outcome", "failed_without_retry")).isPositive();
			assertThat(meters.calls("outcome", "success_with_retry")).isPositive();
			PerCallSummaries.assertMatchAttempts(registry);
			// Every change was applied: 12 by the switch, 12 by refreshes, half of them of a source changed in place.
			assertThat(registry.get("grpc.client.service_config.changes")
				.tags("source", "endpoint", "result", "applied")
				.counter()
				.count()).isEqualTo(CHANGES / 2);
			assertThat(registry.get("grpc.client.service_config.changes")
				.tags("source", "refresh", "result", "applied")
				.counter()
				.count()).isEqualTo(CHANGES / 2);
		}
	}

	private ConfigurableApplicationContext start(EchoTestServer server, int maxAttempts, String backoff)
			throws IOException {
		write(server, maxAttempts, backoff);
		return new SpringApplicationBuilder(RefreshTests.Application.class).web(WebApplicationType.NONE)
			.run("--spring.config.location=file:" + this.directory.resolve("application.properties"));
	}

	private void write(EchoTestServer server, int maxAttempts, String backoff) throws IOException {
		Files.writeString(this.directory.resolve("application.properties"),
				String.join("\n", "grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext",
						// Closing waits for the channel to terminate, and grpc-java shuts down the subchannels that
						// a policy change left 5 s later: no wait for those where closing is not the subject.
						"grpc.clients.echo.shutdown-grace-period=100ms", ENTRY + "name[0].service=echo.Echo",
						ENTRY + "retry-policy.max-attempts=" + maxAttempts, ENTRY + "retry-policy.initial-backoff="
								+ backoff, ENTRY + "retry-policy.max-backoff=" + backoff,
						ENTRY + "retry-policy.backoff-multiplier=1",
						ENTRY + "retry-policy.retryable-status-codes=UNAVAILABLE", ""));
	}

	private static void awaitRequests(EchoTestServer server, int count) {
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(5))
			.until(() -> server.requestCount() >= count);
		assertThat(server.requestCount()).isEqualTo(count);
	}

	private static void call(ManagedChannel channel) {
		EchoGrpc.newBlockingStub(channel)
			.withDeadlineAfter(10, TimeUnit.SECONDS)
			.unaryEcho(EchoRequest.newBuilder().setMessage("hi").build());
	}

}
