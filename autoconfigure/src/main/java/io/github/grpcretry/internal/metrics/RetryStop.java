package io.github.grpcretry.internal.metrics;

import java.util.Set;

import io.github.grpcretry.internal.serviceconfig.MethodPolicies;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * Why a call made no more attempts: the {@code retry_stop} tag of {@code grpc.client.calls} and the
 * {@code grpc.retry_stop} attribute of the call's span. A fixed set, decided once per call, when it closes, from what
 * the starter sees: the policy of the config the call started with, its attempts, the response's headers and
 * trailers, and the request's wire size. See {@code docs/why-not-retried.md}.
 */
public enum RetryStop {

	/** The call succeeded. */
	SUCCEEDED("succeeded"),

	/** The incident switch or {@code retries: off} took the policy that governs the method away. */
	RETRIES_OFF("retries_off"),

	/** No retry or hedging policy governs the method. */
	NO_POLICY("no_policy"),

	/** A response's headers (or a message) had reached the client: grpc-java commits the call to that attempt. */
	COMMITTED("committed"),

	/** The request outgrew the retry buffer ({@code per-rpc-buffer-limit}, {@code retry-buffer-size}). */
	RETRY_BUFFER("retry_buffer"),

	/**
	 * The call ended on the client's side: its deadline ran out or it was cancelled, during an attempt or a backoff,
	 * or before any attempt (a channel shut down).
	 */
	DEADLINE_OR_CANCEL("deadline_or_cancel"),

	/** The server's {@code grpc-retry-pushback-ms} said not to retry (a negative or unreadable value). */
	SERVER_PUSHBACK("server_pushback"),

	/** The status is not among the policy's retryable (or non-fatal) codes. */
	STATUS_NOT_RETRYABLE("status_not_retryable"),

	/** The attempts reached the policy's {@code maxAttempts}. */
	MAX_ATTEMPTS("max_attempts"),

	/** The retry throttle's tokens were at or below half ({@code retry-throttling}). */
	THROTTLED("throttled");

	private static final Set<Status.Code> ENDED_BY_CLIENT = Set.of(Status.Code.CANCELLED,
			Status.Code.DEADLINE_EXCEEDED);

	private final String tagValue;

	RetryStop(String tagValue) {
		this.tagValue = tagValue;
	}

	/**
	 * The value of the {@code retry_stop} tag.
	 * @return the tag value, such as {@code max_attempts}
	 */
	public String tagValue() {
		return this.tagValue;
	}

	/**
	 * Decides why a failed call stopped: a call ended on the client's side could make no more attempts, whatever else;
	 * then in grpc-java's order: a call without policy never retries; a committed call (headers, or a request over
	 * the buffer) is never judged by its policy; then the server's pushback, the status, the attempts and the
	 * throttle, as grpc-java's {@code RetriableStream} weighs them.
	 * @param call what the call saw
	 * @return the reason
	 */
	static RetryStop of(FailedCall call) {
		// Ended on the client's side: by its deadline or a cancellation, during an attempt, a backoff or a stream
		// already answering, or before any attempt (a deadline already past, a channel shut down). What ended it comes
		// first: whatever the policy, the call could make no more attempts.
		if (call.attemptsMade() == 0 || (ENDED_BY_CLIENT.contains(call.code())
				&& !(call.lastAttemptFromServer() && call.lastAttemptCode() == call.code()))) {
			return DEADLINE_OR_CANCEL;
		}
		if (call.known() && call.policy() == null) {
			return call.offHadPolicy() ? RETRIES_OFF : NO_POLICY;
		}
		if (call.headersReceived()) {
			return COMMITTED;
		}
		if (call.bufferExceeded()) {
			return RETRY_BUFFER;
		}
		Integer pushback = call.pushbackMillis();
		if (pushback != null && pushback < 0) {
			return SERVER_PUSHBACK;
		}
		MethodPolicies.Policy policy = call.policy();
		if (policy == null) {
			// The target's resolver supplies the policy, which the starter cannot see.
			return (call.attemptsMade() > 1) ? MAX_ATTEMPTS : NO_POLICY;
		}
		// A pushback of 0 or more retries any status under a retry policy; hedging stops at a fatal status whatever.
		if ((pushback == null || policy.hedging()) && !policy.codes().contains(call.code())) {
			return STATUS_NOT_RETRYABLE;
		}
		if (call.attemptsMade() >= policy.maxAttempts()) {
			return MAX_ATTEMPTS;
		}
		// Nothing else in grpc-java stops a call whose policy allowed another attempt: the throttle, or the buffer all
		// the channel's calls share.
		return call.throttling() ? THROTTLED : RETRY_BUFFER;
	}

	/**
	 * What a failed call saw, for {@link #of}.
	 *
	 * @param code the call's status code
	 * @param known whether the starter knows the policy that governed the call
	 * @param policy that policy, {@code null} for none or when unknown
	 * @param offHadPolicy whether retries were off and the configured config has a policy for the method
	 * @param throttling whether the config throttles retries
	 * @param headersReceived whether a response's headers reached the call
	 * @param bufferExceeded whether an attempt's request outgrew the retry buffer
	 * @param lastAttemptCode the status code of the last attempt to end, {@code null} when none did
	 * @param lastAttemptFromServer whether that attempt's status came in the server's trailers
	 * @param pushbackMillis the server's {@code grpc-retry-pushback-ms} in the call's trailers, -1 when unreadable,
	 * {@code null} when absent
	 * @param attemptsMade the attempts made, transparent retries not counted
	 */
	record FailedCall(Status.Code code, boolean known, MethodPolicies.@Nullable Policy policy, boolean offHadPolicy,
			boolean throttling, boolean headersReceived, boolean bufferExceeded, Status.@Nullable Code lastAttemptCode,
			boolean lastAttemptFromServer, @Nullable Integer pushbackMillis, int attemptsMade) {
	}

}
