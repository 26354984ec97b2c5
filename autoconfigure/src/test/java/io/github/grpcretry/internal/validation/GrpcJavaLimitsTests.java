package io.github.grpcretry.internal.validation;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.github.grpcretry.internal.serviceconfig.ServiceConfigMapper;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.EchoTestServer.Request;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.internal.GrpcJavaProbe;
import io.grpc.internal.GrpcJavaProbe.RetryThrottle;
import io.grpc.internal.JsonUtil;
import io.grpc.internal.KeepAliveManager;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Every limit in {@link GrpcJavaLimits} is what grpc-java 1.83 really does: each test hands grpc-java's own code the
 * values on both sides of a limit and shows that it keeps the accepted ones as written and changes, or refuses, the
 * rejected ones.
 */
class GrpcJavaLimitsTests {

	private static final int MAX_TOKENS_THOUSANDTHS = 1_000_000;

	@Test
	void maxTokensIsAcceptedExactlyWhenGrpcJavaKeepsItAndARetryCanHappenUnderIt() {
		List<String> disagreements = new ArrayList<>();
		// Every value with up to 3 decimal places that gRFC A6 allows, from 0.001 to 1000.
		for (int thousandths = 1; thousandths <= MAX_TOKENS_THOUSANDTHS; thousandths++) {
			double maxTokens = thousandths / 1000.0;
			RetryThrottle grpc = GrpcJavaProbe.retryThrottling(throttling(maxTokens, 0.1));
			boolean grpcKeepsIt = grpc.maxTokensThousandths() == thousandths;
			boolean grpcRetries = grpc.onFailure();
			boolean accepted = GrpcJavaLimits.keepsThrottleValue(maxTokens)
					&& GrpcJavaLimits.throttleLetsRetry(GrpcJavaLimits.throttleThousandths(maxTokens));
			if (accepted != (grpcKeepsIt && grpcRetries)) {
				disagreements.add(maxTokens + " (grpc-java keeps " + grpc.maxTokensThousandths() + ")");
			}
		}
		assertThat(disagreements).isEmpty();
		assertThat(GrpcJavaLimits.smallestMaxTokensLettingRetry()).isEqualByComparingTo("2.002");
	}

	@Test
	void valuesWithMoreThanThreeDecimalPlacesAreNeverKept() {
		Random random = new Random(6);
		for (int i = 0; i < 100_000; i++) {
			BigDecimal value = BigDecimal.valueOf(1 + random.nextInt(9_999_999), 4);
			if (value.stripTrailingZeros().scale() > 3) {
				RetryThrottle grpc = GrpcJavaProbe.retryThrottling(throttling(value.doubleValue(), 0.1));
				assertThat(GrpcJavaLimits.keepsThrottleValue(value.doubleValue())).as("%s", value).isFalse();
				assertThat(BigDecimal.valueOf(grpc.maxTokensThousandths(), 3)).as("%s", value)
					.isNotEqualByComparingTo(value);
			}
		}
	}

	@Test
	void valueUsedInsteadIsWhatGrpcJavaKeeps() {
		for (double value : new double[] { 2.001, 0.251, 0.2505, 2.008, 3000000, 0.0001 }) {
			RetryThrottle grpc = GrpcJavaProbe.retryThrottling(throttling(value, value));
			assertThat(GrpcJavaLimits.throttleValueUsed(value))
				.isEqualByComparingTo(BigDecimal.valueOf(grpc.tokenRatioThousandths(), 3));
			for (BigDecimal kept : GrpcJavaLimits.keptThrottleValuesNear(value)) {
				assertThat(GrpcJavaProbe.retryThrottling(throttling(kept.doubleValue(), 0.1)).maxTokensThousandths())
					.isEqualTo(kept.movePointRight(3).intValueExact());
			}
		}
	}

	@Test
	void tokenRatioIsAcceptedExactlyWhenGrpcJavaKeepsItAndItsTokenCountCannotOverflow() {
		int maxTokens = 10_000;
		List<Double> ratios = new ArrayList<>();
		for (int thousandths = 1; thousandths <= MAX_TOKENS_THOUSANDTHS; thousandths++) {
			ratios.add(thousandths / 1000.0);
		}
		// Around the largest ratio the token count holds: where float precision and int overflow meet.
		long largest = GrpcJavaLimits.largestTokenRatioThousandths(maxTokens);
		for (long thousandths = largest - 5000; thousandths <= largest + 5000; thousandths++) {
			ratios.add(thousandths / 1000.0);
		}
		for (double ratio : new double[] { 2097152, 2147483.52, 2147483.647, 2147483.648, 3000000, 1e10 }) {
			ratios.add(ratio);
		}
		List<String> disagreements = new ArrayList<>();
		for (double ratio : ratios) {
			RetryThrottle grpc = GrpcJavaProbe.retryThrottling(throttling(maxTokens / 1000.0, ratio));
			BigDecimal written = BigDecimal.valueOf(ratio).movePointRight(3);
			boolean grpcKeepsIt = BigDecimal.valueOf(grpc.tokenRatioThousandths()).compareTo(written) == 0;
			// gRFC A6: a failure takes one token, a success gives the ratio back, never beyond max-tokens.
			grpc.onFailure();
			grpc.onSuccess();
			long expected = Math.min(maxTokens - 1000 + written.longValue(), maxTokens);
			boolean grpcCountsRight = grpc.tokenCountThousandths() == expected;
			boolean accepted = GrpcJavaLimits.keepsThrottleValue(ratio)
					&& written.compareTo(BigDecimal.valueOf(largest)) <= 0;
			if (accepted != (grpcKeepsIt && grpcCountsRight)) {
				disagreements.add(ratio + " (grpc-java keeps " + grpc.tokenRatioThousandths() + ", counts "
						+ grpc.tokenCountThousandths() + ")");
			}
		}
		assertThat(disagreements).isEmpty();
	}

	@Test
	void grpcJavaHoldsServiceConfigDurationsUpTo292YearsAndNoFurther() {
		Duration longest = GrpcJavaLimits.LONGEST_DURATION;
		assertThat(parsedNanos(longest)).isEqualTo(longest.toNanos());
		// One nanosecond more saturates: grpc-java would use 292 years instead.
		assertThat(parsedNanos(longest.plusNanos(1))).isEqualTo(Long.MAX_VALUE);
		assertThat(parsedNanos(Duration.ofSeconds(315_576_000_000L))).isEqualTo(Long.MAX_VALUE);
		// Beyond protobuf's range, grpc-java refuses the service config.
		assertThatExceptionOfType(RuntimeException.class)
			.isThrownBy(() -> parsedNanos(Duration.ofSeconds(315_576_000_001L)));
		// And the starter's channel settings go to grpc-java as nanoseconds.
		assertThatExceptionOfType(ArithmeticException.class).isThrownBy(() -> longest.plusNanos(1).toNanos());
	}

	@Test
	void grpcJavaShortensADeadlineBeyond100Years() {
		Deadline.Ticker frozen = new Deadline.Ticker() {

			@Override
			public long nanoTime() {
				return 0;
			}

		};
		Duration latest = GrpcJavaLimits.LONGEST_DEADLINE;
		assertThat(Deadline.after(latest.toNanos(), TimeUnit.NANOSECONDS, frozen).timeRemaining(TimeUnit.NANOSECONDS))
			.isEqualTo(latest.toNanos());
		assertThat(Deadline.after(latest.toNanos() + 1, TimeUnit.NANOSECONDS, frozen)
			.timeRemaining(TimeUnit.NANOSECONDS)).isEqualTo(latest.toNanos());
	}

	@Test
	void grpcJavaRaisesAShorterKeepAliveTimeAndTimeout() {
		long shortestTime = GrpcJavaLimits.SHORTEST_KEEP_ALIVE_TIME.toNanos();
		assertThat(KeepAliveManager.clampKeepAliveTimeInNanos(shortestTime)).isEqualTo(shortestTime);
		assertThat(KeepAliveManager.clampKeepAliveTimeInNanos(shortestTime - 1)).isEqualTo(shortestTime);
		long shortestTimeout = GrpcJavaLimits.SHORTEST_KEEP_ALIVE_TIMEOUT.toNanos();
		assertThat(KeepAliveManager.clampKeepAliveTimeoutInNanos(shortestTimeout)).isEqualTo(shortestTimeout);
		assertThat(KeepAliveManager.clampKeepAliveTimeoutInNanos(shortestTimeout - 1)).isEqualTo(shortestTimeout);
	}

	@Test
	void grpcJavaRaisesAShorterIdleTimeoutKeepsWholeMillisecondsAndTurnsIdleModeOffFrom30Days() {
		Duration shortest = GrpcJavaLimits.SHORTEST_IDLE_TIMEOUT;
		assertThat(GrpcJavaProbe.idleTimeoutMillis(shortest.toNanos())).isEqualTo(shortest.toMillis());
		assertThat(GrpcJavaProbe.idleTimeoutMillis(shortest.toNanos() - 1)).isEqualTo(shortest.toMillis());
		assertThat(GrpcJavaProbe.idleTimeoutMillis(Duration.ofMillis(1500).plusNanos(1).toNanos())).isEqualTo(1500);
		Duration off = GrpcJavaLimits.IDLE_MODE_OFF_FROM;
		assertThat(GrpcJavaProbe.idleTimeoutMillis(off.minusMillis(1).toNanos())).isEqualTo(off.toMillis() - 1);
		assertThat(GrpcJavaProbe.idleTimeoutMillis(off.toNanos())).isEqualTo(GrpcJavaProbe.IDLE_MODE_OFF);
	}

	@Test
	void grpcJavaRefusesAMetadataSizeOf0() {
		assertThatIllegalArgumentException().isThrownBy(() -> NettyChannelBuilder.forTarget("localhost:1")
			.maxInboundMetadataSize(0));
		assertThatIllegalArgumentException().isThrownBy(() -> InProcessChannelBuilder.forName("limits")
			.maxInboundMetadataSize(0));
		NettyChannelBuilder.forTarget("localhost:1").maxInboundMetadataSize(1);
		InProcessChannelBuilder.forName("limits").maxInboundMetadataSize(1);
	}

	@Test
	void grpcJavaWaitsInitialBackoffBeforeTheFirstRetryEvenAboveMaxBackoff() {
		String name = "limits-" + UUID.randomUUID();
		Duration initialBackoff = Duration.ofMillis(500);
		Map<String, Object> retryPolicy = Map.of("maxAttempts", 2.0, "initialBackoff",
				ServiceConfigMapper.seconds(initialBackoff), "maxBackoff", "0.001s", "backoffMultiplier", 1.0,
				"retryableStatusCodes", List.of("UNAVAILABLE"));
		Map<String, Object> serviceConfig = Map.of("methodConfig",
				List.of(Map.of("name", List.of(Map.of("service", "echo.Echo")), "retryPolicy", retryPolicy)));
		try (EchoTestServer server = EchoTestServer.inProcess(name, (n) -> Answer.fail(Status.Code.UNAVAILABLE))) {
			ManagedChannel channel = InProcessChannelBuilder.forName(name)
				.defaultServiceConfig(serviceConfig)
				.enableRetry()
				.build();
			try {
				assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> EchoGrpc
					.newBlockingStub(channel)
					.unaryEcho(EchoRequest.newBuilder().setMessage("backoff").build()));
				List<Request> requests = server.requests();
				assertThat(requests).hasSize(2);
				// gRFC A6 would retry within max-backoff (1ms); grpc-java waits 0.8 to 1.2 times initial-backoff.
				assertThat(Duration.ofNanos(requests.get(1).receivedNanos() - requests.get(0).receivedNanos()))
					.isGreaterThanOrEqualTo(initialBackoff.multipliedBy(8).dividedBy(10));
			}
			finally {
				channel.shutdownNow();
			}
		}
	}

	@Test
	void grpcJavaParsesPerAttemptRecvTimeoutButNeitherCutsAHungAttemptOffNorRetriesIt() {
		String name = "limits-" + UUID.randomUUID();
		Duration perAttempt = Duration.ofMillis(100);
		// The first attempt hangs past the call's deadline; any later attempt is answered at once.
		try (EchoTestServer server = EchoTestServer.inProcess(name,
				(n) -> (n == 1) ? new Answer(Status.Code.OK, Duration.ofSeconds(5)) : Answer.ok())) {
			// grpc-java reads the key: a negative one makes the whole service config invalid.
			assertThatIllegalStateException()
				.isThrownBy(() -> InProcessChannelBuilder.forName(name)
					.defaultServiceConfig(perAttemptRecvTimeout("-1s"))
					.enableRetry()
					.build())
				.withMessageContaining("perAttemptRecvTimeout cannot be negative");
			ManagedChannel channel = InProcessChannelBuilder.forName(name)
				.defaultServiceConfig(perAttemptRecvTimeout(ServiceConfigMapper.seconds(perAttempt)))
				.enableRetry()
				.build();
			try {
				// Enforced (gRFC A6), the attempt would be cancelled after 100ms and retried, and the call succeed.
				assertThatExceptionOfType(StatusRuntimeException.class)
					.isThrownBy(() -> EchoGrpc.newBlockingStub(channel)
						.withDeadlineAfter(perAttempt.multipliedBy(10).toMillis(), TimeUnit.MILLISECONDS)
						.unaryEcho(EchoRequest.newBuilder().setMessage("hung").build()))
					.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
				assertThat(server.requestCount()).isOne();
			}
			finally {
				channel.shutdownNow();
			}
		}
	}

	private static Map<String, ?> perAttemptRecvTimeout(String timeout) {
		Map<String, Object> retryPolicy = Map.of("maxAttempts", 3.0, "initialBackoff", "0.01s", "maxBackoff", "0.01s",
				"backoffMultiplier", 1.0, "retryableStatusCodes", List.of("CANCELLED", "DEADLINE_EXCEEDED", "UNAVAILABLE"),
				"perAttemptRecvTimeout", timeout);
		return Map.of("methodConfig",
				List.of(Map.of("name", List.of(Map.of("service", "echo.Echo")), "retryPolicy", retryPolicy)));
	}

	private static long parsedNanos(Duration duration) {
		return JsonUtil.getStringAsDuration(Map.of("timeout", ServiceConfigMapper.seconds(duration)), "timeout");
	}

	private static Map<String, ?> throttling(double maxTokens, double tokenRatio) {
		return Map.of("retryThrottling", Map.of("maxTokens", maxTokens, "tokenRatio", tokenRatio));
	}

}
