package io.github.grpcretry.internal.actuate;

import java.util.List;

import io.github.grpcretry.validation.Violation;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;

/**
 * The incident switch refused, as Spring Boot's endpoint infrastructure reports a request it cannot serve on every
 * technology (over JMX, the message); why, so that the web extension can answer with the HTTP status of each reason.
 */
final class SwitchRefusedException extends InvalidEndpointRequestException {

	private final Reason refusal;

	private final String reason;

	private final List<Violation> violations;

	SwitchRefusedException(Reason refusal, String reason, List<Violation> violations) {
		super(message(reason, violations), reason);
		this.refusal = refusal;
		this.reason = reason;
		this.violations = List.copyOf(violations);
	}

	// Never null here, which Boot's own declaration does not promise.
	@Override
	public String getReason() {
		return this.reason;
	}

	Reason refusal() {
		return this.refusal;
	}

	List<Violation> violations() {
		return this.violations;
	}

	// Over JMX the message is all a caller gets: every violation in it, one a line, as the warning logs them.
	private static String message(String reason, List<Violation> violations) {
		StringBuilder message = new StringBuilder(reason);
		for (Violation violation : violations) {
			message.append(System.lineSeparator()).append("  ").append(violation.property());
			if (violation.value() != null) {
				message.append(" = ").append(violation.value());
			}
			if (violation.origin() != null) {
				message.append(" (").append(violation.origin()).append(')');
			}
			message.append(": ").append(violation.problem()).append("; ").append(violation.fix());
		}
		return message.toString();
	}

	/**
	 * Why the switch was refused.
	 */
	enum Reason {

		/** No {@code access} key grants the endpoint writes. */
		ACCESS,

		/** No client has the name. */
		UNKNOWN_CLIENT,

		/** The client cannot take the change: its channel, or the configuration it would go back to. */
		REFUSED

	}

}
