package io.github.grpcretry.internal.metrics;

import io.grpc.ClientStreamTracer;

/**
 * Why an attempt of a call was made: the {@code kind} tag of {@code grpc.client.attempts}.
 */
public enum AttemptKind {

	/** The first attempt of a call. */
	INITIAL("initial"),

	/** An attempt after a failed one, under a retry policy. */
	RETRY("retry"),

	/** An attempt sent ahead of an answer, under a hedging policy. */
	HEDGE("hedge"),

	/** An attempt gRPC makes by itself because the previous one never reached the server's application. */
	TRANSPARENT_RETRY("transparent_retry");

	private final String tagValue;

	AttemptKind(String tagValue) {
		this.tagValue = tagValue;
	}

	/**
	 * The value of the {@code kind} tag.
	 * @return the tag value, such as {@code transparent_retry}
	 */
	public String tagValue() {
		return this.tagValue;
	}

	/**
	 * Tells the kind of the attempt grpc-java is starting.
	 * @param info what grpc-java knows of the attempt
	 * @return the attempt's kind
	 */
	public static AttemptKind of(ClientStreamTracer.StreamInfo info) {
		if (info.isTransparentRetry()) {
			return TRANSPARENT_RETRY;
		}
		if (info.getPreviousAttempts() == 0) {
			return INITIAL;
		}
		return info.isHedging() ? HEDGE : RETRY;
	}

}
