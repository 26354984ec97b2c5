package io.github.grpcretry.properties;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import io.github.grpcretry.internal.properties.FailureStatusCodeConverter;
import io.grpc.Status;

/**
 * The gRPC status codes a retry or hedging policy can name: every code but {@code OK}, which is success. Typed, so
 * that an IDE offers exactly these in {@code retryable-status-codes} and {@code non-fatal-status-codes};
 * {@link FailureStatusCodeConverter} reads them in any case, in kebab-case or by number.
 */
public enum FailureStatusCode {

	/** 1: the call was cancelled, typically by the caller. */
	CANCELLED,

	/** 2: an error the server did not classify. */
	UNKNOWN,

	/** 3: the request is invalid whatever the server's state. */
	INVALID_ARGUMENT,

	/** 4: the deadline passed before the call completed. */
	DEADLINE_EXCEEDED,

	/** 5: a requested entity was not found. */
	NOT_FOUND,

	/** 6: the entity a call tried to create exists already. */
	ALREADY_EXISTS,

	/** 7: the caller may not run this call. */
	PERMISSION_DENIED,

	/** 8: a resource, such as a quota or the server's memory, ran out. */
	RESOURCE_EXHAUSTED,

	/** 9: the system is not in the state the call needs. */
	FAILED_PRECONDITION,

	/** 10: the call was aborted, typically by a concurrency conflict. */
	ABORTED,

	/** 11: the call went past a valid range. */
	OUT_OF_RANGE,

	/** 12: the server does not implement the call. */
	UNIMPLEMENTED,

	/** 13: an invariant the server relies on was broken. */
	INTERNAL,

	/** 14: the service is unavailable for now; the usual code to retry. */
	UNAVAILABLE,

	/** 15: data was lost or corrupted. */
	DATA_LOSS,

	/** 16: the call has no valid credentials. */
	UNAUTHENTICATED;

	/** Every name, for error messages. */
	public static final String ALL_NAMES = Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));

	private final Status.Code code;

	FailureStatusCode() {
		this.code = Status.Code.valueOf(name());
	}

	/**
	 * The grpc-java code of this name.
	 * @return the code
	 */
	public Status.Code code() {
		return this.code;
	}

	/**
	 * Reads a status code the way users write them: {@code UNAVAILABLE}, {@code unavailable},
	 * {@code resource-exhausted} or {@code 14}.
	 * @param text a code name in any case, in kebab-case, or a code number from 1 to 16
	 * @return the code
	 * @throws IllegalArgumentException if the text names no gRPC status code, or names {@code OK}
	 */
	public static FailureStatusCode parse(String text) {
		String trimmed = text.trim();
		Status.Code code = grpcCode(text, trimmed);
		if (code == Status.Code.OK) {
			throw new IllegalArgumentException("'" + text + "' is OK, which is success: no policy retries or hedges"
					+ " on it");
		}
		return valueOf(code.name());
	}

	private static Status.Code grpcCode(String text, String trimmed) {
		Status.Code[] codes = Status.Code.values();
		if (!trimmed.isEmpty() && trimmed.chars().allMatch(Character::isDigit)) {
			int value = (trimmed.length() <= 2) ? Integer.parseInt(trimmed) : codes.length;
			if (value < codes.length) {
				return codes[value];
			}
			throw new IllegalArgumentException("'" + text + "' is not a gRPC status code number (1 to "
					+ (codes.length - 1) + ")");
		}
		try {
			return Status.Code.valueOf(trimmed.replace('-', '_').toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("'" + text + "' is not a gRPC status code", ex);
		}
	}

}
