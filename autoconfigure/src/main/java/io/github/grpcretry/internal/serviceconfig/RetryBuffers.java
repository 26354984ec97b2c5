package io.github.grpcretry.internal.serviceconfig;

/**
 * grpc-java's retry buffers: what a call may hold to replay its request on a retry or hedge, and what all the calls
 * of a channel may hold together. A call whose request outgrows either is committed to its attempt.
 */
public final class RetryBuffers {

	/** grpc-java's own buffer for one call's request, unless {@code perRpcBufferLimit} changes it. */
	public static final long GRPC_PER_RPC_LIMIT = 1L << 20;

	/** grpc-java's own buffer for all the calls of a channel, unless {@code retryBufferSize} changes it. */
	public static final long GRPC_CHANNEL_SIZE = 16L << 20;

	private RetryBuffers() {
	}

	/**
	 * The fewest request bytes that overflow one call's buffer on their own: the smaller of the two.
	 * @param perRpcLimit the channel's per-call limit
	 * @param channelSize the channel's whole buffer
	 * @return the limit
	 */
	public static long callLimit(long perRpcLimit, long channelSize) {
		return Math.min(perRpcLimit, channelSize);
	}

	/**
	 * The limit of a channel built with grpc-java's own buffers.
	 * @return the limit
	 */
	public static long grpcCallLimit() {
		return callLimit(GRPC_PER_RPC_LIMIT, GRPC_CHANNEL_SIZE);
	}

}
