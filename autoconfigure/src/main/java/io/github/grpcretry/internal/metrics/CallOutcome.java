package io.github.grpcretry.internal.metrics;

/**
 * How a call ended and whether retries or hedges took part: the {@code outcome} tag of {@code grpc.client.calls},
 * named as Resilience4j names its retry outcomes. Transparent retries do not count as retries here.
 */
public enum CallOutcome {

	/** Succeeded at the first attempt. */
	SUCCESS_WITHOUT_RETRY("success_without_retry"),

	/** Succeeded after more than one attempt: the retries or hedges saved the call. */
	SUCCESS_WITH_RETRY("success_with_retry"),

	/** Failed after one attempt: the code was not retryable, or the policy allowed no more. */
	FAILED_WITHOUT_RETRY("failed_without_retry"),

	/** Failed although more than one attempt was made. */
	FAILED_WITH_RETRY("failed_with_retry");

	private final String tagValue;

	CallOutcome(String tagValue) {
		this.tagValue = tagValue;
	}

	/**
	 * The value of the {@code outcome} tag.
	 * @return the tag value, such as {@code success_with_retry}
	 */
	public String tagValue() {
		return this.tagValue;
	}

	static CallOutcome of(boolean success, boolean retried) {
		if (success) {
			return retried ? SUCCESS_WITH_RETRY : SUCCESS_WITHOUT_RETRY;
		}
		return retried ? FAILED_WITH_RETRY : FAILED_WITHOUT_RETRY;
	}

}
