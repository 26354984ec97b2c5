package io.github.grpcretry.internal.validation;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * One random client configuration as a user writes it: {@code grpc.clients.<name>.*} properties as strings, drawn
 * mostly from the boundary values of every field (0, 1, 2, 5, 6, negative, huge, NaN and Infinity where they bind,
 * sub-nanosecond and out-of-range durations, 3- and 4-decimal ratios, empty, duplicate and missing names, codes in
 * every case and as numbers). Besides the properties it keeps what the user meant by them, so that a prediction can
 * be made from the written values alone: the methods each entry names, each policy's codes.
 *
 * @param properties the properties below {@code grpc.clients.<name>.}, in the order written
 * @param entries the method-config entries, as written
 * @param maxTokens {@code retry-throttling.max-tokens} as written, or {@code null}
 * @param tokenRatio {@code retry-throttling.token-ratio} as written, or {@code null}
 * @param failWith the code the always-failing server answers this client's calls with
 */
record RandomClientConfiguration(Map<String, String> properties, List<Entry> entries, @Nullable String maxTokens,
		@Nullable String tokenRatio, Status.Code failWith) {

	/** The service every generated entry may name, the one the test server implements. */
	static final String SERVICE = "echo.Echo";

	/**
	 * Draws a configuration.
	 * @param random the seeded source of every choice
	 * @param address the in-process address of the test server
	 * @return the configuration
	 */
	static RandomClientConfiguration draw(Random random, String address) {
		return new Drawing(random).draw(address);
	}

	/**
	 * One method-config entry as written.
	 *
	 * @param names the names it lists; empty for the client's default entry
	 * @param policy its retry or hedging policy, or {@code null} (or the retry policy when both are written)
	 */
	record Entry(List<Name> names, @Nullable Policy policy) {
	}

	/**
	 * One name as written.
	 *
	 * @param service {@code service}, or {@code null} when not written
	 * @param method {@code method}, or {@code null} when not written
	 */
	record Name(@Nullable String service, @Nullable String method) {

		boolean namesMethod(String methodName) {
			return SERVICE.equals(this.service) && methodName.equals(this.method);
		}

		boolean namesEveryMethodOfTheService() {
			return SERVICE.equals(this.service) && (this.method == null || this.method.isEmpty());
		}

	}

	/**
	 * A retry or hedging policy as written.
	 *
	 * @param hedging whether it is a hedging policy
	 * @param maxAttempts {@code max-attempts} as written
	 * @param codes the retryable or non-fatal codes meant; {@code null} for a token that names no code
	 */
	record Policy(boolean hedging, @Nullable String maxAttempts, List<Status.@Nullable Code> codes) {
	}

	private static final class Drawing {

		// In increasing order.
		private static final String[] DURATIONS_POSITIVE = { "1ns", ".000000001s", "10ms", ".01s", "0.05s", "PT0.5S",
				"1s", "1h", "PT2562047H47M16.854775807S" };

		private static final String[] DURATIONS_INVALID = { "0s", "0", "-1ms", "-.5s", "0.0000000001s",
				"PT2562047H47M16.854775808S", "106752d", "3652500001d", "315576000000s", "soon", "1.5h" };

		private static final String[] BYTES = { "0", "1", "1KB", "1MB", "2147483647", "2147483648", "-1", "2GB",
				"3GB", "1.5KB" };

		private static final Status.Code[] SERVER_CODES = { Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE,
				Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED, Status.Code.INTERNAL, Status.Code.ABORTED,
				Status.Code.UNKNOWN };

		private static final Status.Code[] POLICY_CODES = { Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE,
				Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE,
				Status.Code.RESOURCE_EXHAUSTED, Status.Code.RESOURCE_EXHAUSTED, Status.Code.INTERNAL,
				Status.Code.INTERNAL, Status.Code.ABORTED, Status.Code.ABORTED, Status.Code.UNKNOWN,
				Status.Code.DEADLINE_EXCEEDED, Status.Code.CANCELLED, Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE,
				Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE, Status.Code.INTERNAL, Status.Code.RESOURCE_EXHAUSTED,
				Status.Code.ABORTED, Status.Code.UNKNOWN, Status.Code.DATA_LOSS, Status.Code.OK };

		private final Random random;

		private final Map<String, String> properties = new LinkedHashMap<>();

		// The calls named so far, so that a name is written twice only now and then.
		private final Set<String> named = new HashSet<>();

		Drawing(Random random) {
			this.random = random;
		}

		RandomClientConfiguration draw(String address) {
			put("address", pick(0.97, () -> address, () -> oneOf(null, "  ", "static://127.0.0.1")));
			put("negotiation-type", maybe(0.3, () -> pick(0.95, () -> oneOf("plaintext", "tls", "PLAINTEXT"),
					() -> "ssl")));
			put("ssl.bundle", maybe(0.02, () -> "missing"));
			put("load-balancing-policy", maybe(0.15, () -> pick(0.9, () -> oneOf("round_robin", "pick_first"),
					() -> "random")));
			put("service-config-lookup", maybe(0.1, () -> oneOf("true", "false")));
			Status.Code failWith = SERVER_CODES[this.random.nextInt(SERVER_CODES.length)];
			boolean throttled = chance(0.45);
			// Most throttled clients retry or hedge the failing calls, so that their token counts show.
			Status.Code focus = (throttled && chance(0.7)) ? failWith : null;
			List<Entry> entries = new ArrayList<>();
			int entryCount = (focus != null) ? 1 + weighted(new int[] { 60, 30, 10 })
					: weighted(new int[] { 20, 45, 25, 10 });
			for (int i = 0; i < entryCount; i++) {
				entries.add(entry("method-config[" + i + "].", (i == 0) ? focus : null));
			}
			if (chance(0.02)) {
				put("method-config[0].retry-polcy.max-attempts", "3");
			}
			String maxTokens = null;
			String tokenRatio = null;
			if (throttled) {
				maxTokens = maybe(0.98, this::maxTokens);
				tokenRatio = maybe(0.98, this::tokenRatio);
				put("retry-throttling.max-tokens", maxTokens);
				put("retry-throttling.token-ratio", tokenRatio);
			}
			put("retry-buffer-size", maybe(0.1, () -> oneOf(BYTES)));
			put("per-rpc-buffer-limit", maybe(0.1, () -> oneOf(BYTES)));
			put("shutdown-grace-period", maybe(0.15, () -> pick(0.7, () -> oneOf("0s", "1s", "30s",
					"PT2562047H47M16.854775807S"), () -> oneOf("-1s", "PT2562047H47M16.854775808S", "106752d"))));
			put("keep-alive.time", maybe(0.12, () -> pick(0.7, () -> oneOf("10s", "30s", "1000d",
					"PT2562047H47M16.854775807S"), () -> oneOf("1ns", "0s", "-1s", "9s", "9999999999ns", "106752d"))));
			put("keep-alive.timeout", maybe(0.12, () -> pick(0.7, () -> oneOf("10ms", "20s"),
					() -> oneOf("1ns", "0ms", "9ms", "106752d"))));
			put("keep-alive.without-calls", maybe(0.08, () -> pick(0.9, () -> oneOf("true", "false"),
					() -> "maybe")));
			put("idle-timeout", maybe(0.12, () -> pick(0.7, () -> oneOf("1s", "1500ms", "30m", "29d", "30d"),
					() -> oneOf("1ms", "0s", "999ms", "1000500us", "106752d"))));
			put("max-inbound-message-size", maybe(0.1, () -> oneOf(BYTES)));
			put("max-inbound-metadata-size", maybe(0.1, () -> pick(0.7, () -> oneOf("1", "8KB", "2147483647"),
					() -> oneOf("0", "3GB", "-1"))));
			put("user-agent", maybe(0.08, () -> oneOf("validation-tests/1.0", "")));
			// A client without any property is no client at all.
			if (this.properties.isEmpty()) {
				put("negotiation-type", "plaintext");
			}
			return new RandomClientConfiguration(Map.copyOf(this.properties), List.copyOf(entries), maxTokens,
					tokenRatio, failWith);
		}

		private Entry entry(String prefix, Status.@Nullable Code focus) {
			List<Name> names = new ArrayList<>();
			if (focus != null) {
				return focusedEntry(prefix, focus, names);
			}
			int nameCount = weighted(new int[] { 20, 65, 15 });
			if (nameCount == 0 && !this.named.add("default") && chance(0.8)) {
				nameCount = 1;
			}
			for (int j = 0; j < nameCount; j++) {
				names.add(name(prefix + "name[" + j + "]."));
			}
			put(prefix + "timeout", maybe(0.15, () -> pick(0.6, () -> oneOf("1h", "36500d", "PT876000H"),
					() -> oneOf("0s", "-1s", "36501d", "PT2562047H47M16.854775807S", "0.0000000001s", "1.5h"))));
			put(prefix + "wait-for-ready", maybe(0.1, () -> oneOf("true", "false")));
			put(prefix + "max-request-message-bytes", maybe(0.08, () -> oneOf(BYTES)));
			put(prefix + "max-response-message-bytes", maybe(0.08, () -> oneOf(BYTES)));
			int kind = weighted(new int[] { 50, 30, 3, 17 });
			Policy retry = (kind == 0 || kind == 2) ? retryPolicy(prefix + "retry-policy.") : null;
			Policy hedging = (kind == 1 || kind == 2) ? hedgingPolicy(prefix + "hedging-policy.") : null;
			// Spring Boot binds no list element without a property, and then none after it either.
			if (this.properties.keySet().stream().noneMatch((key) -> key.startsWith(prefix))) {
				put(prefix + "wait-for-ready", "false");
			}
			return new Entry(List.copyOf(names), (retry != null) ? retry : hedging);
		}

		// Governs UnaryEcho with a policy that goes on after the server's code, for many attempts.
		private Entry focusedEntry(String prefix, Status.Code focus, List<Name> names) {
			int naming = weighted(new int[] { 50, 25, 25 });
			if (naming < 2) {
				String method = (naming == 0) ? "UnaryEcho" : null;
				put(prefix + "name[0].service", SERVICE);
				put(prefix + "name[0].method", method);
				names.add(new Name(SERVICE, method));
				this.named.add(SERVICE + "/" + ((method != null) ? method : ""));
			}
			else {
				this.named.add("default");
			}
			boolean hedging = chance(0.3);
			String policy = prefix + (hedging ? "hedging-policy." : "retry-policy.");
			String maxAttempts = oneOf("10", "20", "100", "2147483647");
			put(policy + "max-attempts", maxAttempts);
			if (hedging) {
				put(policy + "hedging-delay", oneOf("0s", "10ms", "1h"));
			}
			else {
				put(policy + "initial-backoff", "10ms");
				put(policy + "max-backoff", oneOf("10ms", "1s"));
				put(policy + "backoff-multiplier", oneOf("1", "2"));
			}
			List<Status.@Nullable Code> codes = new ArrayList<>(List.of(focus));
			String written = focus.name().toLowerCase(Locale.ROOT).replace('_', '-');
			if (chance(0.5)) {
				codes.add(Status.Code.UNAVAILABLE);
				written = written + ",14";
			}
			put(policy + (hedging ? "non-fatal-status-codes" : "retryable-status-codes"), written);
			return new Entry(List.copyOf(names), new Policy(hedging, maxAttempts, codes));
		}

		private Name name(String prefix) {
			String service;
			String method;
			int tries = 0;
			do {
				service = pick(0.96, () -> oneOf(SERVICE, SERVICE, SERVICE, SERVICE, SERVICE, "other.Other"),
						() -> oneOf(null, "", "  "));
				method = maybe(0.65,
						() -> oneOf("UnaryEcho", "UnaryEcho", "UnaryEcho", "OtherEcho", "OtherEcho", "Missing", ""));
				if (service == null && method == null) {
					service = SERVICE;
				}
			}
			while (!this.named.add(service + "/" + ((method != null) ? method : "")) && ++tries < 3 && chance(0.9));
			put(prefix + "service", service);
			put(prefix + "method", method);
			return new Name(service, method);
		}

		private Policy retryPolicy(String prefix) {
			String maxAttempts = maybe(0.98, this::maxAttempts);
			put(prefix + "max-attempts", maxAttempts);
			// Mostly in order, so that other values get their turn to be checked.
			String[] backoffs = { duration(), duration() };
			if (chance(0.95)) {
				Arrays.sort(backoffs, Comparator.comparingInt((backoff) -> indexOf(DURATIONS_POSITIVE, backoff)));
			}
			put(prefix + "initial-backoff", maybe(0.98, () -> backoffs[0]));
			put(prefix + "max-backoff", maybe(0.98, () -> backoffs[1]));
			put(prefix + "backoff-multiplier", maybe(0.98,
					() -> pick(0.95, () -> oneOf("1", "1.0", "2", "1.5", "0.5", "1e308", "4.9e-324"),
							() -> oneOf("0", "-1", "NaN", "Infinity", "-Infinity", "abc"))));
			List<Status.@Nullable Code> codes = new ArrayList<>();
			put(prefix + "retryable-status-codes", maybe(0.98, () -> codes(codes)));
			return new Policy(false, maxAttempts, codes);
		}

		private Policy hedgingPolicy(String prefix) {
			String maxAttempts = maybe(0.98, this::maxAttempts);
			put(prefix + "max-attempts", maxAttempts);
			put(prefix + "hedging-delay", maybe(0.98, () -> pick(0.9, () -> oneOf("0s", "1ns", "10ms", "1s",
					"PT2562047H47M16.854775807S"), () -> oneOf("-1ms", "106752d", "0.0000000001s", "soon"))));
			List<Status.@Nullable Code> codes = new ArrayList<>();
			put(prefix + "non-fatal-status-codes", maybe(0.75, () -> codes(codes)));
			return new Policy(true, maxAttempts, codes);
		}

		private String maxAttempts() {
			return pick(0.92, () -> oneOf("2", "2", "3", "4", "5", "5", "6", "7", "10", "100", "2147483647"),
					() -> oneOf("0", "1", "-1", "1.5", "abc"));
		}

		private String duration() {
			return pick(0.95, () -> oneOf(DURATIONS_POSITIVE), () -> oneOf(DURATIONS_INVALID));
		}

		private String codes(List<Status.@Nullable Code> meant) {
			if (chance(0.04)) {
				return "";
			}
			List<String> tokens = new ArrayList<>();
			int count = 1 + weighted(new int[] { 60, 30, 10 });
			for (int k = 0; k < count; k++) {
				if (chance(0.01)) {
					tokens.add(oneOf("UNAVAILBLE", "17", "-1"));
					meant.add(null);
					continue;
				}
				Status.Code code = POLICY_CODES[this.random.nextInt(POLICY_CODES.length)];
				String name = code.name();
				tokens.add(switch (weighted(new int[] { 40, 20, 15, 25 })) {
					case 0 -> name;
					case 1 -> name.toLowerCase(Locale.ROOT);
					case 2 -> name.toLowerCase(Locale.ROOT).replace('_', '-');
					default -> Integer.toString(code.value());
				});
				meant.add(code);
			}
			return String.join(",", tokens);
		}

		private String maxTokens() {
			return switch (weighted(new int[] { 25, 10, 40, 18, 7 })) {
				case 0 -> oneOf("2.002", "3", "4.001", "5", "6", "10", "999.999", "1000", "1e1");
				case 1 -> oneOf("0", "-1", "0.5", "1", "2", "2.001", "16.001", "16.001", "2.0005", "8.0005",
						"100.0005", "1000.001", "1001", "NaN", "Infinity", "-Infinity", "abc");
				case 2 -> decimal(1 + this.random.nextInt(30_000), 3);
				case 3 -> decimal(1 + this.random.nextInt(1_000_000), 3);
				default -> decimal(1 + this.random.nextInt(300_000), 4);
			};
		}

		private String tokenRatio() {
			return switch (weighted(new int[] { 25, 10, 55, 10 })) {
				case 0 -> oneOf("0.001", "0.1", "0.25", "1", "10", "1000", "1e-3");
				case 1 -> oneOf("0", "-0.1", "0.251", "0.253", "0.502", "1.004", "2.008", "0.2505", "2147474.647",
						"2147483.52", "3000000", "NaN", "Infinity");
				case 2 -> decimal(1 + this.random.nextInt(5_000), 3);
				default -> decimal(1 + this.random.nextInt(50_000), 4);
			};
		}

		private static int indexOf(String[] values, String value) {
			int index = Arrays.asList(values).indexOf(value);
			return (index >= 0) ? index : values.length;
		}

		private static String decimal(int unscaled, int scale) {
			return BigDecimal.valueOf(unscaled, scale).toPlainString();
		}

		private void put(String key, @Nullable String value) {
			if (value != null) {
				this.properties.put(key, value);
			}
		}

		private boolean chance(double probability) {
			return this.random.nextDouble() < probability;
		}

		private @Nullable String maybe(double probability, Supplier<@Nullable String> value) {
			return chance(probability) ? value.get() : null;
		}

		private @Nullable String pick(double probability, Supplier<@Nullable String> usual,
				Supplier<@Nullable String> unusual) {
			return chance(probability) ? usual.get() : unusual.get();
		}

		@SafeVarargs
		private <T> T oneOf(T... values) {
			return values[this.random.nextInt(values.length)];
		}

		private int weighted(int[] weights) {
			int total = 0;
			for (int weight : weights) {
				total += weight;
			}
			int draw = this.random.nextInt(total);
			for (int i = 0; i < weights.length; i++) {
				draw -= weights[i];
				if (draw < 0) {
					return i;
				}
			}
			throw new IllegalStateException();
		}

	}

}
