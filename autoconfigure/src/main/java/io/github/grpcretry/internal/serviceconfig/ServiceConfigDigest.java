package io.github.grpcretry.internal.serviceconfig;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

/**
 * A service config's digest, the same on every instance that runs the same config: the first 12 hex digits of the
 * SHA-256 of its canonical JSON. Canonical, so that neither the order of a map's keys nor how a number was written
 * changes it: UTF-8, no whitespace, every object's keys sorted (by UTF-16 code units, as RFC 8785 sorts them), strings
 * escaped as RFC 8785 escapes them, a whole number without a fraction ({@code 4}, for grpc-java's {@code 4.0}) and any
 * other in the fewest significant digits (15 to 17) that read back as the same {@code double}, in plain notation.
 */
public final class ServiceConfigDigest {

	private static final int LENGTH = 12;

	private ServiceConfigDigest() {
	}

	/**
	 * The digest of a service config.
	 * @param serviceConfig the config, as grpc-java takes it: maps, lists, strings, numbers, booleans
	 * @return the first 12 hex digits of the SHA-256 of its canonical JSON
	 */
	public static String of(Map<String, ?> serviceConfig) {
		try {
			byte[] hash = MessageDigest.getInstance("SHA-256")
				.digest(canonicalJson(serviceConfig).getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(hash).substring(0, LENGTH);
		}
		catch (NoSuchAlgorithmException ex) {
			// Every Java platform has SHA-256 (MessageDigest's contract).
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A service config's canonical JSON, as its digest is taken of.
	 * @param serviceConfig the config
	 * @return the JSON
	 */
	public static String canonicalJson(Map<String, ?> serviceConfig) {
		StringBuilder json = new StringBuilder();
		write(serviceConfig, json);
		return json.toString();
	}

	private static void write(@Nullable Object value, StringBuilder json) {
		if (value instanceof Map<?, ?> map) {
			// A TreeMap of strings orders by UTF-16 code units, as RFC 8785 does.
			TreeMap<String, @Nullable Object> sorted = new TreeMap<>();
			map.forEach((key, entry) -> sorted.put(String.valueOf(key), entry));
			json.append('{');
			String separator = "";
			for (Map.Entry<String, @Nullable Object> entry : sorted.entrySet()) {
				json.append(separator);
				string(entry.getKey(), json);
				json.append(':');
				write(entry.getValue(), json);
				separator = ",";
			}
			json.append('}');
		}
		else if (value instanceof List<?> list) {
			json.append('[');
			String separator = "";
			for (Object element : list) {
				json.append(separator);
				write(element, json);
				separator = ",";
			}
			json.append(']');
		}
		else if (value instanceof Number number) {
			json.append(number(number.doubleValue()));
		}
		else if (value instanceof Boolean bool) {
			json.append(bool);
		}
		else if (value == null) {
			json.append("null");
		}
		else {
			string(value.toString(), json);
		}
	}

	// Not Double.toString: before Java 19 it wrote some doubles with more digits than they need, and instances of one
	// fleet may run on different Javas.
	static String number(double value) {
		if (Double.isNaN(value) || Double.isInfinite(value)) {
			throw new IllegalArgumentException("a service config holds no " + value + ": JSON has no such number");
		}
		if (value == Math.rint(value) && Math.abs(value) < 1e15) {
			return Long.toString((long) value);
		}
		BigDecimal exact = new BigDecimal(value);
		for (int digits = 15; digits < 17; digits++) {
			BigDecimal rounded = exact.round(new MathContext(digits));
			if (rounded.doubleValue() == value) {
				return rounded.stripTrailingZeros().toPlainString();
			}
		}
		return exact.round(new MathContext(17)).stripTrailingZeros().toPlainString();
	}

	private static void string(String value, StringBuilder json) {
		json.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\b' -> json.append("\\b");
				case '\f' -> json.append("\\f");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				default -> {
					if (c < 0x20) {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		json.append('"');
	}

}
