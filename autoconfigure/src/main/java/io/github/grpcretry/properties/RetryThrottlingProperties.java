package io.github.grpcretry.properties;

import org.jspecify.annotations.Nullable;

/**
 * gRPC retry throttling (gRFC A6): the bucket starts full, each failed attempt takes a token, each success gives
 * back {@code token-ratio}; once no more than half of {@code max-tokens} remain, nothing is retried or hedged.
 *
 * @param maxTokens size of the token bucket, in (0, 1000] and more than 2 (so that a retry can happen at all), with
 * at most 3 decimal places that grpc-java keeps (it counts thousandths of a {@code float}: 2.001 would be 2)
 * @param tokenRatio tokens a successful call gives back, greater than 0, with at most 3 decimal places that grpc-java
 * keeps (0.251 would be 0.25), and small enough for its {@code int} token count
 */
public record RetryThrottlingProperties(@Nullable Double maxTokens, @Nullable Double tokenRatio) {

}
