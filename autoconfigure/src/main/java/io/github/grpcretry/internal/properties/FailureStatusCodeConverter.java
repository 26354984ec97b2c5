package io.github.grpcretry.internal.properties;

import io.github.grpcretry.properties.FailureStatusCode;

import org.springframework.core.convert.converter.Converter;

/**
 * Converts a status code as written in {@code retryable-status-codes} or {@code non-fatal-status-codes}:
 * {@code UNAVAILABLE}, {@code unavailable}, {@code resource-exhausted} or {@code 14}, the forms a gRPC service
 * config accepts and more. Spring's own enum conversion would refuse the number.
 */
public final class FailureStatusCodeConverter implements Converter<String, FailureStatusCode> {

	@Override
	public FailureStatusCode convert(String source) {
		return FailureStatusCode.parse(source);
	}

}
