package io.github.grpcretry.internal.serviceconfig;

import io.grpc.ManagedChannelBuilder;

/**
 * grpc-java's caps on a channel's retry and hedging attempts: 5 unless the builder raises them, and every policy with
 * a larger {@code maxAttempts} lowered to the cap without a word.
 */
public final class AttemptCaps {

	/** grpc-java's own cap on attempts, which a larger {@code max-attempts} must raise. */
	public static final int GRPC_DEFAULT_MAX_ATTEMPTS = 5;

	private AttemptCaps() {
	}

	/**
	 * Raises a builder's caps on retry and hedging attempts to the largest configured {@code max-attempts} when that
	 * is above grpc-java's own cap of 5, to which grpc-java would otherwise lower every policy without a word.
	 * @param builder the channel's builder
	 * @param largestMaxAttempts the largest {@code max-attempts} of the channel's policies
	 */
	public static void raise(ManagedChannelBuilder<?> builder, int largestMaxAttempts) {
		if (largestMaxAttempts > GRPC_DEFAULT_MAX_ATTEMPTS) {
			builder.maxRetryAttempts(largestMaxAttempts);
			builder.maxHedgedAttempts(largestMaxAttempts);
		}
	}

	/**
	 * The cap a channel is built with: the one a customizer asked for (never below the largest {@code max-attempts},
	 * which the customizer's builder refuses), else grpc-java's own, raised if need be.
	 * @param customized the cap a customizer set, 0 when none did
	 * @param largestMaxAttempts the largest {@code max-attempts} of the channel's configured policies
	 * @return the cap
	 */
	public static int of(int customized, int largestMaxAttempts) {
		return (customized > 0) ? customized : Math.max(largestMaxAttempts, GRPC_DEFAULT_MAX_ATTEMPTS);
	}

}
