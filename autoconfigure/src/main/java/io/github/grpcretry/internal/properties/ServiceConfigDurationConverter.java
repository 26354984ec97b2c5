package io.github.grpcretry.internal.properties;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.core.convert.converter.ConditionalGenericConverter;

/**
 * Converts the duration properties marked {@link ServiceConfigDuration}: the protobuf JSON form of gRPC service
 * configs ({@code .01s}, {@code 0.1s}, {@code 2.5s}) exactly, to the nanosecond, and every other value with
 * Spring's {@link DurationStyle} ({@code 10ms}, {@code 1s}, {@code PT0.5S}; a bare number is milliseconds).
 * Durations elsewhere in the application are left to Spring alone.
 */
public final class ServiceConfigDurationConverter implements ConditionalGenericConverter {

	private static final Pattern PROTOBUF_SECONDS = Pattern.compile("([+-]?(?:\\d+\\.\\d*|\\.\\d+))s");

	@Override
	public Set<ConvertiblePair> getConvertibleTypes() {
		return Set.of(new ConvertiblePair(String.class, Duration.class));
	}

	@Override
	public boolean matches(TypeDescriptor sourceType, TypeDescriptor targetType) {
		return targetType.hasAnnotation(ServiceConfigDuration.class);
	}

	@Override
	public @Nullable Object convert(@Nullable Object source, TypeDescriptor sourceType, TypeDescriptor targetType) {
		String text = (source != null) ? source.toString().trim() : "";
		return text.isEmpty() ? null : parse(text);
	}

	/**
	 * Parses a duration in protobuf JSON form or in one of Spring's forms.
	 * @param text the duration, such as {@code .01s}, {@code 10ms} or {@code PT0.01S}
	 * @return the duration
	 * @throws IllegalArgumentException if the text is no duration, or is finer than a nanosecond
	 */
	public static Duration parse(String text) {
		Matcher decimalSeconds = PROTOBUF_SECONDS.matcher(text);
		if (!decimalSeconds.matches()) {
			return DurationStyle.detectAndParse(text);
		}
		BigDecimal nanos = new BigDecimal(decimalSeconds.group(1)).movePointRight(9);
		if (nanos.stripTrailingZeros().scale() > 0) {
			throw new IllegalArgumentException("'" + text + "' is finer than a nanosecond; use at most 9 decimal places");
		}
		try {
			return Duration.ofNanos(nanos.longValueExact());
		}
		catch (ArithmeticException ex) {
			throw new IllegalArgumentException("'" + text + "' is longer than the 292 years of nanoseconds that"
					+ " grpc-java holds", ex);
		}
	}

}
