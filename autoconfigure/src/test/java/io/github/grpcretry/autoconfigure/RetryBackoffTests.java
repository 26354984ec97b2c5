package io.github.grpcretry.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The backoff between attempts, measured where a user would see it: between the arrivals of a call's attempts at a
 * grpc-java server (in-process: the backoff is the channel's, not the transport's). The wait before a retry is random: gRFC A6 draws it from [0, 1) times the current bound, grpc-java
 * 1.83 from [0.8, 1.2) times it (its flag {@code GRPC_EXPERIMENTAL_XDS_RLS_LB}, on by default). The tests check
 * bounds that hold under both, with room for a busy machine, over enough attempts that a duration read 10 times too
 * long or too short (50ms taken as 500ms) cannot pass.
 */
class RetryBackoffTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	/** Delivery on top of the backoff: scheduling on a busy two-core machine, a GC pause. */
	private static final Duration TOLERANCE = Duration.ofMillis(300);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class));

	@Test
	void constantBackoffKeepsEveryGapWithinItsBound() {
		try (EchoTestServer server = alwaysUnavailable()) {
			this.contextRunner
				.withPropertyValues(client(server, ENTRY_0 + "retry-policy.max-attempts=5",
						ENTRY_0 + "retry-policy.initial-backoff=.1s", ENTRY_0 + "retry-policy.max-backoff=100ms",
						ENTRY_0 + "retry-policy.backoff-multiplier=1"))
				.run((context) -> {
					List<Duration> gaps = gapsOfFailingCalls(context, server, 3).stream()
						.flatMap(List::stream)
						.toList();
					// Read as 1s, each gap would be at least 800ms (and above 420ms but for a chance of 3e-5 with
					// gRFC A6's jitter).
					assertThat(gaps).hasSize(12)
						.allSatisfy((gap) -> assertThat(gap).isLessThanOrEqualTo(millis(120).plus(TOLERANCE)));
					// At least 960ms with grpc-java's jitter, 240ms but for a chance of 8e-5 with gRFC A6's; read as
					// 10ms, 12 gaps make 144ms plus delivery.
					assertThat(sum(gaps)).isGreaterThan(millis(240));
				});
		}
	}

	@Test
	void multiplierGrowsTheBoundUpToMaxBackoff() {
		try (EchoTestServer server = alwaysUnavailable()) {
			this.contextRunner
				.withPropertyValues(client(server, ENTRY_0 + "retry-policy.max-attempts=5",
						ENTRY_0 + "retry-policy.initial-backoff=20ms", ENTRY_0 + "retry-policy.max-backoff=150ms",
						ENTRY_0 + "retry-policy.backoff-multiplier=4"))
				.run((context) -> {
					// The bounds of the four retries: 20ms, 80ms, then 150ms twice (320ms and 1280ms uncapped).
					List<List<Duration>> gaps = gapsOfFailingCalls(context, server, 6);
					assertThat(gaps).hasSize(6).allSatisfy((call) -> {
						assertThat(call).hasSize(4);
						assertThat(call.get(0)).isLessThanOrEqualTo(millis(24).plus(TOLERANCE));
						assertThat(call.get(1)).isLessThanOrEqualTo(millis(96).plus(TOLERANCE));
						assertThat(call.get(2)).isLessThanOrEqualTo(millis(180).plus(TOLERANCE));
						assertThat(call.get(3)).isLessThanOrEqualTo(millis(180).plus(TOLERANCE));
					});
					// Grown: the later gaps average at least 77ms more than the first ones with grpc-java's jitter,
					// 53ms with gRFC A6's (20ms more but for a chance of 2e-4); a constant bound makes them equal.
					Duration firstGaps = mean(gaps.stream().map((call) -> call.get(0)).toList());
					Duration laterGaps = mean(gaps.stream().flatMap((call) -> call.subList(1, 4).stream()).toList());
					assertThat(laterGaps.minus(firstGaps)).isGreaterThan(millis(20));
				});
		}
	}

	private static List<List<Duration>> gapsOfFailingCalls(AssertableApplicationContext context,
			EchoTestServer server, int calls) {
		EchoGrpc.EchoBlockingStub echo = EchoGrpc
			.newBlockingStub(context.getBean("echoManagedChannel", ManagedChannel.class));
		for (int i = 0; i < calls; i++) {
			EchoRequest request = EchoRequest.newBuilder().setMessage("call " + i).build();
			assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> echo.unaryEcho(request));
		}
		Map<String, List<Long>> arrivals = new LinkedHashMap<>();
		for (Request request : server.requests()) {
			arrivals.computeIfAbsent(request.message(), (message) -> new ArrayList<>()).add(request.receivedNanos());
		}
		List<List<Duration>> gaps = new ArrayList<>();
		for (List<Long> call : arrivals.values()) {
			List<Duration> callGaps = new ArrayList<>();
			for (int i = 1; i < call.size(); i++) {
				callGaps.add(Duration.ofNanos(call.get(i) - call.get(i - 1)));
			}
			gaps.add(callGaps);
		}
		return gaps;
	}

	private static EchoTestServer alwaysUnavailable() {
		return EchoTestServer.inProcess(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)));
	}

	private static String[] client(EchoTestServer server, String... retryPolicy) {
		List<String> properties = new ArrayList<>();
		properties.add("grpc.clients.echo.address=" + server.address());
		properties.add("grpc.clients.echo.negotiation-type=plaintext");
		properties.add(ENTRY_0 + "name[0].service=echo.Echo");
		properties.add(ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE");
		properties.addAll(List.of(retryPolicy));
		return properties.toArray(String[]::new);
	}

	private static Duration sum(List<Duration> durations) {
		return durations.stream().reduce(Duration.ZERO, Duration::plus);
	}

	private static Duration mean(List<Duration> durations) {
		return sum(durations).dividedBy(durations.size());
	}

	private static Duration millis(long millis) {
		return Duration.ofMillis(millis);
	}

}
