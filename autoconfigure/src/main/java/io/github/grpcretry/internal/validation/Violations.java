package io.github.grpcretry.internal.validation;

import java.time.Duration;
import java.util.List;

import io.github.grpcretry.validation.Violation;
import org.jspecify.annotations.Nullable;

import org.springframework.util.unit.DataSize;

/**
 * The violations of one check, and the rules that channel and service-config properties share: durations grpc-java
 * can hold, positive and non-negative durations, message sizes.
 */
final class Violations {

	// Spring Boot binds a list from the one source that sets it: an override elsewhere drops the other fields.
	static final String REQUIRED = "is required (if it is set in one property source and another sets"
			+ " a field of the same list entry, Spring Boot binds the whole list from the other source only)";

	private static final String TOO_LONG = "is longer than grpc-java can hold: it keeps durations as nanoseconds"
			+ " in a long, at most 292 years (" + GrpcJavaLimits.LONGEST_DURATION + ")";

	private final List<Violation> violations;

	/**
	 * Collects into a list.
	 * @param violations where each violation is added
	 */
	Violations(List<Violation> violations) {
		this.violations = violations;
	}

	void add(Violation violation) {
		this.violations.add(violation);
	}

	boolean positive(String property, Duration duration, String example) {
		if (duration.isNegative() || duration.isZero()) {
			add(property, duration, "must be greater than 0", "set a positive duration, " + example);
			return false;
		}
		return true;
	}

	boolean notNegative(String property, Duration duration, String example) {
		if (duration.isNegative()) {
			add(property, duration, "must not be negative", "set 0s or more, " + example);
			return false;
		}
		return true;
	}

	boolean heldByGrpcJava(String property, Duration duration, String fix) {
		if (duration.compareTo(GrpcJavaLimits.LONGEST_DURATION) > 0) {
			add(property, duration, TOO_LONG, fix);
			return false;
		}
		return true;
	}

	void positive(String property, @Nullable DataSize size, String meaning) {
		if (size != null && size.toBytes() <= 0) {
			add(property, size, "must be greater than 0 bytes", "set a positive size; it is " + meaning);
		}
	}

	void messageSize(String property, @Nullable DataSize size) {
		if (size != null && (size.isNegative() || size.toBytes() > Integer.MAX_VALUE)) {
			add(property, size, "must be between 0 and 2147483647 bytes (2GB - 1B)",
					"set a size such as 4MB, or remove it for grpc-java's default");
		}
	}

	void add(String property, @Nullable Object value, String problem, String fix) {
		this.violations.add(Violation.of(property, value, problem, fix));
	}

}
