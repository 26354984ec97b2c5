package io.github.grpcretry.internal.serviceconfig;

import org.jspecify.annotations.Nullable;

/**
 * The policies of the service config a channel's calls start with, as a call's start reads them: the config grpc-java
 * holds, and, while retries are off, the configured one they would have without that.
 *
 * @param inEffect the policies of the config grpc-java holds
 * @param whileOn the policies of the configured config while retries are off ({@code retries: off} or the incident
 * switch), {@code null} while they are on
 * @param known whether the starter knows the config calls use: not when the target's resolver supplies it (xDS, or a
 * published config with {@code service-config-lookup: true}), nor for a channel whose config it was not told
 */
public record CallPolicies(MethodPolicies inEffect, @Nullable MethodPolicies whileOn, boolean known) {

	private static final CallPolicies UNKNOWN = new CallPolicies(MethodPolicies.none(), null, false);

	/**
	 * The policies of a channel whose service config the starter does not know.
	 * @return unknown policies
	 */
	public static CallPolicies unknown() {
		return UNKNOWN;
	}

	/**
	 * The policies of a channel whose service config never changes.
	 * @param policies the policies
	 * @return them, in effect
	 */
	public static CallPolicies of(MethodPolicies policies) {
		return new CallPolicies(policies, null, true);
	}

}
