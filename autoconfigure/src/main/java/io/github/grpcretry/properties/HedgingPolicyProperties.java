package io.github.grpcretry.properties;

import java.time.Duration;
import java.util.List;

import io.github.grpcretry.internal.properties.ServiceConfigDuration;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * gRPC hedging policy (gRFC A6): further attempts of a call are sent every hedging delay until one answers.
 *
 * @param maxAttempts most attempts of a call, the first one included; at least 2. Above 5 is honoured: the
 * channel's cap is raised to match
 * @param hedgingDelay time between sending one attempt and the next, 0s to 292 years; {@code 0s} sends them all at
 * once. Required, so that a misspelt key cannot turn into an instant burst
 * @param nonFatalStatusCodes status codes after which the remaining attempts still go on, written as
 * {@code retryable-status-codes} are; any other code ends the call
 */
public record HedgingPolicyProperties(@Nullable Integer maxAttempts,
		@Nullable @ServiceConfigDuration Duration hedgingDelay, @DefaultValue List<FailureStatusCode> nonFatalStatusCodes) {

	public HedgingPolicyProperties {
		nonFatalStatusCodes = List.copyOf(nonFatalStatusCodes);
	}

}
