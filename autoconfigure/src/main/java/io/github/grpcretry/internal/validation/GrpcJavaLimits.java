package io.github.grpcretry.internal.validation;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.function.IntPredicate;

/**
 * What grpc-java 1.83 does with the values a client hands it, written once: validation accepts a value only where
 * grpc-java keeps it as written, so that nothing that starts is truncated, overflowed, raised or ignored later.
 * Each limit names the grpc-java code that applies it, and {@code GrpcJavaLimitsTests} proves each one against that
 * code.
 */
final class GrpcJavaLimits {

	/** {@code RetriableStream.Throttle} counts tokens in thousandths, as an {@code int}. */
	static final int THROTTLE_SCALE = 1000;

	/** gRFC A6: {@code maxTokens} is in (0, 1000]. */
	static final double MAX_TOKENS_LIMIT = 1000;

	/** grpc-java keeps durations as nanoseconds in a {@code long} ({@code JsonUtil}, the builders): 292 years. */
	static final Duration LONGEST_DURATION = Duration.ofNanos(Long.MAX_VALUE);

	/** {@code io.grpc.Deadline} shortens a later deadline to 100 years ({@code MAX_OFFSET}). */
	static final Duration LONGEST_DEADLINE = Duration.ofDays(100 * 365);

	/** {@code KeepAliveManager.clampKeepAliveTimeInNanos} raises a shorter keep-alive time to this. */
	static final Duration SHORTEST_KEEP_ALIVE_TIME = Duration.ofSeconds(10);

	/** {@code KeepAliveManager.clampKeepAliveTimeoutInNanos} raises a shorter keep-alive timeout to this. */
	static final Duration SHORTEST_KEEP_ALIVE_TIMEOUT = Duration.ofMillis(10);

	/** {@code ManagedChannelImplBuilder.idleTimeout} raises a shorter idle timeout to this. */
	static final Duration SHORTEST_IDLE_TIMEOUT = Duration.ofSeconds(1);

	/** {@code ManagedChannelImplBuilder.idleTimeout} turns idle mode off from this timeout on. */
	static final Duration IDLE_MODE_OFF_FROM = Duration.ofDays(30);

	private static final BigDecimal SMALLEST_MAX_TOKENS_LETTING_RETRY = smallestKept(
			GrpcJavaLimits::throttleLetsRetry);

	private GrpcJavaLimits() {
	}

	/**
	 * The thousandths grpc-java keeps of a retry-throttling value: {@code ServiceConfigUtil} reads it as a
	 * {@code float}, and {@code Throttle} multiplies that by 1000 in {@code float} and truncates it to an
	 * {@code int} (which saturates).
	 * @param value {@code max-tokens} or {@code token-ratio}
	 * @return the thousandths grpc-java counts with
	 */
	static int throttleThousandths(double value) {
		float asFloat = (float) value;
		return (int) (asFloat * THROTTLE_SCALE);
	}

	/**
	 * Whether grpc-java keeps a retry-throttling value exactly as written.
	 * @param value {@code max-tokens} or {@code token-ratio}, finite
	 * @return {@code true} if its thousandths are exactly the value
	 */
	static boolean keepsThrottleValue(double value) {
		return thousandths(value).compareTo(BigDecimal.valueOf(throttleThousandths(value))) == 0;
	}

	/**
	 * The value grpc-java uses instead of a retry-throttling value, as a decimal.
	 * @param value {@code max-tokens} or {@code token-ratio}
	 * @return the value grpc-java counts with
	 */
	static BigDecimal throttleValueUsed(double value) {
		return BigDecimal.valueOf(throttleThousandths(value), 3).stripTrailingZeros();
	}

	/**
	 * The values nearest to the given one that grpc-java keeps exactly, below and above it.
	 * @param value a retry-throttling value, positive and finite
	 * @return the nearest kept values, at most two; empty when none is near
	 */
	static BigDecimal[] keptThrottleValuesNear(double value) {
		long written = thousandths(value).longValue();
		BigDecimal below = null;
		BigDecimal above = null;
		for (int step = 0; step < THROTTLE_SCALE && (below == null || above == null); step++) {
			if (below == null && written - step > 0 && keepsThrottleValue((written - step) / 1000.0)) {
				below = BigDecimal.valueOf(written - step, 3).stripTrailingZeros();
			}
			if (above == null && written + step + 1 <= Integer.MAX_VALUE
					&& keepsThrottleValue((written + step + 1) / 1000.0)) {
				above = BigDecimal.valueOf(written + step + 1, 3).stripTrailingZeros();
			}
		}
		if (below == null) {
			return (above != null) ? new BigDecimal[] { above } : new BigDecimal[0];
		}
		return (above != null) ? new BigDecimal[] { below, above } : new BigDecimal[] { below };
	}

	/**
	 * Whether a retry or hedge can ever happen under a bucket of this size: {@code Throttle} allows one only while
	 * the count left after a failure is above half of {@code maxTokens}, and the count never exceeds
	 * {@code maxTokens}.
	 * @param maxTokensThousandths the bucket size grpc-java keeps
	 * @return {@code true} if the first failure from a full bucket still leaves more than half
	 */
	static boolean throttleLetsRetry(int maxTokensThousandths) {
		return maxTokensThousandths - THROTTLE_SCALE > maxTokensThousandths / 2;
	}

	/**
	 * The smallest {@code max-tokens} that grpc-java keeps as written and under which a retry can happen.
	 * @return the smallest such bucket size
	 */
	static BigDecimal smallestMaxTokensLettingRetry() {
		return SMALLEST_MAX_TOKENS_LETTING_RETRY;
	}

	/**
	 * The largest {@code token-ratio}, in thousandths, that {@code Throttle.onSuccess} can add to the token count
	 * without overflowing its {@code int}. A success adds nothing to a full bucket, and a ratio this large fills the
	 * bucket with any success, so the largest count it is added to is one failure below full.
	 * @param maxTokensThousandths the bucket size grpc-java keeps
	 * @return the largest token ratio in thousandths
	 */
	static long largestTokenRatioThousandths(int maxTokensThousandths) {
		return (long) Integer.MAX_VALUE - Math.max(maxTokensThousandths - THROTTLE_SCALE, 0);
	}

	private static BigDecimal smallestKept(IntPredicate condition) {
		for (int thousandths = 1; thousandths <= MAX_TOKENS_LIMIT * THROTTLE_SCALE; thousandths++) {
			double value = thousandths / 1000.0;
			if (keepsThrottleValue(value) && condition.test(throttleThousandths(value))) {
				return BigDecimal.valueOf(thousandths, 3).stripTrailingZeros();
			}
		}
		throw new IllegalStateException("No retry-throttling value meets the condition");
	}

	private static BigDecimal thousandths(double value) {
		return BigDecimal.valueOf(value).movePointRight(3);
	}

}
