package io.grpc.internal;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.grpc.internal.RetriableStream.Throttle;

/**
 * Reads what grpc-java itself makes of the values the starter hands it, so that tests prove the starter's limits
 * against grpc-java's own code rather than against a copy of it. Test code only: it sits in grpc-java's package to
 * reach state that grpc-java keeps package-private, which the starter's main code never does.
 */
public final class GrpcJavaProbe {

	/** What {@link #idleTimeoutMillis} returns when grpc-java turns idle mode off. */
	public static final long IDLE_MODE_OFF = ManagedChannelImpl.IDLE_TIMEOUT_MILLIS_DISABLE;

	private GrpcJavaProbe() {
	}

	/**
	 * Parses a service config as a channel does and returns its retry throttling.
	 * @param serviceConfig the service config map, as given to {@code defaultServiceConfig}
	 * @return grpc-java's throttle, or {@code null} when the config has none
	 */
	public static RetryThrottle retryThrottling(Map<String, ?> serviceConfig) {
		Throttle throttle = ManagedChannelServiceConfig.fromServiceConfig(serviceConfig, true, 5, 5, null)
			.getRetryThrottling();
		return (throttle != null) ? new RetryThrottle(throttle) : null;
	}

	/**
	 * The idle timeout a channel builder keeps for the given one.
	 * @param nanos the idle timeout the starter passes, in nanoseconds
	 * @return the idle timeout grpc-java keeps, in milliseconds, or {@link #IDLE_MODE_OFF}
	 */
	public static long idleTimeoutMillis(long nanos) {
		ManagedChannelImplBuilder builder = new ManagedChannelImplBuilder("localhost:1", () -> {
			throw new UnsupportedOperationException();
		}, null);
		builder.idleTimeout(nanos, TimeUnit.NANOSECONDS);
		return builder.idleTimeoutMillis;
	}

	/**
	 * grpc-java's retry throttle of one channel: its numbers in thousandths, and its token count as calls change it.
	 */
	public static final class RetryThrottle {

		private final Throttle throttle;

		RetryThrottle(Throttle throttle) {
			this.throttle = throttle;
		}

		/**
		 * The bucket size grpc-java keeps.
		 * @return {@code maxTokens} in thousandths
		 */
		public int maxTokensThousandths() {
			return this.throttle.maxTokens;
		}

		/**
		 * The token ratio grpc-java keeps.
		 * @return {@code tokenRatio} in thousandths
		 */
		public int tokenRatioThousandths() {
			return this.throttle.tokenRatio;
		}

		/**
		 * The token count now.
		 * @return the count in thousandths
		 */
		public int tokenCountThousandths() {
			return this.throttle.tokenCount.get();
		}

		/**
		 * Counts a failed attempt, as a call with a retryable code does.
		 * @return whether a retry may follow
		 */
		public boolean onFailure() {
			return this.throttle.onQualifiedFailureThenCheckIsAboveThreshold();
		}

		/**
		 * Counts a successful call.
		 */
		public void onSuccess() {
			this.throttle.onSuccess();
		}

	}

}
