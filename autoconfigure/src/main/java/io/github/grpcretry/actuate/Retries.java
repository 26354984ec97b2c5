package io.github.grpcretry.actuate;

import java.util.Locale;

/**
 * What the {@code grpcclients} endpoint's incident switch does to a client's retries, as its write operation takes
 * it ({@code "off"} or {@code "configured"}, in any case).
 */
public enum Retries {

	/** Every method makes one attempt, without hedging; timeouts and the rest kept. */
	OFF,

	/** What the configuration says now. */
	CONFIGURED;

	/**
	 * The value as the endpoint writes it, and as it is written to it.
	 * @return {@code off} or {@code configured}
	 */
	public String value() {
		return name().toLowerCase(Locale.ROOT);
	}


}
