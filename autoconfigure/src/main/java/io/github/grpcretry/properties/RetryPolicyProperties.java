package io.github.grpcretry.properties;

import java.time.Duration;
import java.util.List;

import io.github.grpcretry.internal.properties.ServiceConfigDuration;
import org.jspecify.annotations.Nullable;

/**
 * gRPC retry policy (gRFC A6): a failed attempt is retried after a randomized, growing backoff. Every field is
 * required, so a misspelt key fails start-up instead of silently turning retries off.
 *
 * @param maxAttempts most attempts of a call, the first one included; at least 2. Above 5 is honoured: the
 * channel's cap is raised to match
 * @param initialBackoff the delay bound before the first retry, such as {@code .01s} or {@code 10ms}; gRFC A6 draws
 * the delay at random below it, grpc-java 1.83 between 0.8 and 1.2 times it. Greater than 0, at most 292 years (the
 * nanoseconds grpc-java holds)
 * @param maxBackoff the bound that the growing backoff bound never exceeds; at least {@code initial-backoff}, which
 * grpc-java waits before the first retry all the same, and at most 292 years
 * @param backoffMultiplier factor the backoff bound grows by after each retry; greater than 0, finite
 * @param retryableStatusCodes status codes that cause a retry, by name in any case ({@code UNAVAILABLE},
 * {@code resource-exhausted}) or by number ({@code 14}); every code but OK
 */
public record RetryPolicyProperties(@Nullable Integer maxAttempts,
		@Nullable @ServiceConfigDuration Duration initialBackoff, @Nullable @ServiceConfigDuration Duration maxBackoff,
		@Nullable Double backoffMultiplier, @Nullable List<FailureStatusCode> retryableStatusCodes) {

}
