package io.github.grpcretry.properties;

/**
 * Transport security of a client's channel.
 */
public enum NegotiationType {

	/** TLS, trusting the JDK's certificates or those of the client's SSL bundle. */
	TLS,

	/** Plain text HTTP/2, for loopback, sidecars and tests. */
	PLAINTEXT

}
