package io.github.grpcretry.properties;

/**
 * The load-balancing policies a client can use; with several backends, {@link #ROUND_ROBIN} sends a retry to the
 * next one.
 */
public enum LoadBalancingPolicy {

	/** Each call, and each attempt of a call, goes to the next ready backend. */
	ROUND_ROBIN("round_robin"),

	/** Every call goes to the first backend that connects. */
	PICK_FIRST("pick_first");

	private final String policyName;

	LoadBalancingPolicy(String policyName) {
		this.policyName = policyName;
	}

	/**
	 * The name grpc-java registers the policy under.
	 * @return the policy name, such as {@code round_robin}
	 */
	public String policyName() {
		return this.policyName;
	}

}
