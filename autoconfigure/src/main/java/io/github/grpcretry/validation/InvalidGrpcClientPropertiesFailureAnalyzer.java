package io.github.grpcretry.validation;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains an {@link InvalidGrpcClientPropertiesException} in Spring Boot's start-up failure report: each property
 * with its value, where it was written, the rule it breaks, and the fix.
 */
class InvalidGrpcClientPropertiesFailureAnalyzer
		extends AbstractFailureAnalyzer<InvalidGrpcClientPropertiesException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidGrpcClientPropertiesException cause) {
		StringBuilder description = new StringBuilder();
		int count = cause.getViolations().size();
		description.append("The gRPC client configuration has ")
			.append(count)
			.append((count == 1) ? " problem" : " problems")
			.append(", so no channel was built:\n");
		StringBuilder action = new StringBuilder("Change the configuration:\n");
		for (Violation violation : cause.getViolations()) {
			description.append("\n    Property: ").append(violation.property());
			description.append("\n    Value:    ")
				.append((violation.value() != null) ? "\"" + violation.value() + "\"" : "(not set)");
			if (violation.origin() != null) {
				description.append("\n    Origin:   ").append(violation.origin());
			}
			description.append("\n    Reason:   ").append(violation.problem()).append('\n');
			action.append("\n    ").append(violation.property()).append(": ").append(violation.fix());
		}
		return new FailureAnalysis(description.toString(), action.toString(), cause);
	}

}
