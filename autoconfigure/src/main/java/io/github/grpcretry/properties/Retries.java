package io.github.grpcretry.properties;

import java.util.Locale;

/**
 * Whether a client's calls retry and hedge as its service config says: the property
 * {@code grpc.clients.<name>.retries}, and what the {@code grpcclients} endpoint's incident switch takes
 * ({@code "off"} or {@code "configured"}, in any case).
 */
public enum Retries {

	/** Every method makes one attempt, without hedging; timeouts and the rest kept. */
	OFF,

	/**
	 * As the service config says. To the endpoint's switch: drop its override, back to what the configuration says
	 * now, whose {@code retries} may itself be {@code off}.
	 */
	CONFIGURED;

	/**
	 * The value as the property and the endpoint write it.
	 * @return {@code off} or {@code configured}
	 */
	public String value() {
		return name().toLowerCase(Locale.ROOT);
	}

}
