package io.github.grpcretry.serviceconfig;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import io.grpc.Status;

/**
 * Reads a gRPC status code written the way users write them: {@code UNAVAILABLE}, {@code unavailable},
 * {@code resource-exhausted} or {@code 14}.
 */
public final class StatusCodes {

	/** Every code name, for error messages. */
	public static final String ALL_NAMES = Arrays.stream(Status.Code.values())
		.map(Status.Code::name)
		.collect(Collectors.joining(", "));

	private StatusCodes() {
	}

	/**
	 * Parses one status code.
	 * @param text a code name in any case, in kebab-case, or a code number
	 * @return the code
	 * @throws IllegalArgumentException if the text names no gRPC status code
	 */
	public static Status.Code parse(String text) {
		String trimmed = text.trim();
		if (!trimmed.isEmpty() && trimmed.chars().allMatch(Character::isDigit)) {
			int value = Integer.parseInt(trimmed);
			Status.Code[] codes = Status.Code.values();
			if (value < codes.length) {
				return codes[value];
			}
			throw new IllegalArgumentException("'" + text + "' is not a gRPC status code number (0 to "
					+ (codes.length - 1) + ")");
		}
		String name = trimmed.replace('-', '_').toUpperCase(Locale.ROOT);
		try {
			return Status.Code.valueOf(name);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("'" + text + "' is not a gRPC status code", ex);
		}
	}

}
