package io.github.grpcretry.validation;

import io.github.grpcretry.internal.channel.TargetCredentials;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.ConfigurationProperty;

/**
 * One invalid property: where it is, what it holds, which rule it breaks and how to fix it.
 *
 * @param property full property path, such as {@code grpc.clients.echo.method-config[0].retry-policy.max-attempts}
 * @param value the value as written, or {@code null} when the property is missing; the user-info of anything that
 * reads as a gRPC target masked ({@link TargetCredentials}), since a failure report is shown and logged
 * @param origin where the value comes from, such as {@code class path resource [application.yml] - 9:27}, when
 * known
 * @param problem the rule the value breaks
 * @param fix what to change so that it holds
 */
public record Violation(String property, @Nullable String value, @Nullable String origin, String problem,
		String fix) {

	public Violation {
		// Every value, not only an address's: a misspelt key holding a target is reported too.
		value = (value != null) ? TargetCredentials.masked(value) : null;
	}

	/**
	 * Creates a violation whose origin is not known yet.
	 * @param property full property path
	 * @param value the value, or {@code null} when missing
	 * @param problem the rule the value breaks
	 * @param fix what to change
	 * @return the violation
	 */
	public static Violation of(String property, @Nullable Object value, String problem, String fix) {
		return new Violation(property, (value != null) ? value.toString() : null, null, problem, fix);
	}

	/**
	 * Creates a violation of a value as Spring Boot read it from its property source: a value it could not bind.
	 * @param property full property path
	 * @param written the property as read, with its value and origin, or {@code null} when not known
	 * @param problem the rule the value breaks
	 * @param fix what to change
	 * @return the violation
	 */
	public static Violation writtenIn(String property, @Nullable ConfigurationProperty written, String problem,
			String fix) {
		Object value = (written != null) ? written.getValue() : null;
		String origin = (written != null && written.getOrigin() != null) ? written.getOrigin().toString() : null;
		return new Violation(property, (value != null) ? value.toString() : null, origin, problem, fix);
	}

	/**
	 * Returns this violation with the value as the user wrote it and where it was written.
	 * @param writtenValue the value as written, or {@code null} to keep the current one
	 * @param writtenOrigin where the value was written, or {@code null} if unknown
	 * @return the violation with its origin
	 */
	public Violation writtenAs(@Nullable String writtenValue, @Nullable String writtenOrigin) {
		return new Violation(this.property, (writtenValue != null) ? writtenValue : this.value, writtenOrigin,
				this.problem, this.fix);
	}

}
