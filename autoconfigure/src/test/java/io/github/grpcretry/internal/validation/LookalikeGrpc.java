package io.github.grpcretry.internal.validation;

/**
 * A class named like generated gRPC code, with its service-name constant, but without its service descriptor: not
 * a generated service.
 */
public final class LookalikeGrpc {

	/** The name a generated class would hold. */
	public static final String SERVICE_NAME = "lookalike.Lookalike";

	private LookalikeGrpc() {
	}

}
