package io.github.grpcretry.validation;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown at start-up when {@code grpc.clients.*}, or the typed service config of Spring Boot 4.1's
 * {@code spring.grpc.client.channel.*}, breaks one or more rules; carries every violation, not just the first, so
 * that one restart is enough to see everything to fix.
 */
public class InvalidGrpcClientPropertiesException extends RuntimeException {

	private final List<Violation> violations;

	/**
	 * Creates the exception.
	 * @param violations the violations, at least one
	 */
	public InvalidGrpcClientPropertiesException(List<Violation> violations) {
		super(message(violations));
		this.violations = List.copyOf(violations);
	}

	/**
	 * The violations, in the order of the properties.
	 * @return every violation
	 */
	public List<Violation> getViolations() {
		return this.violations;
	}

	private static String message(List<Violation> violations) {
		return violations.stream()
			.map((violation) -> violation.property() + " (" + violation.value() + "): " + violation.problem())
			.collect(Collectors.joining("; ", "Invalid gRPC client properties: ", ""));
	}

}
