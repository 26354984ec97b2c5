package io.github.grpcretry.internal.serviceconfig;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * Which method config of a service config governs a method, and its retry or hedging policy, by grpc-java's rule:
 * the entry that names the method, else the one that names its service, else the default entry (a name with neither
 * service nor method). Made once per service config grpc-java takes, and read at each call's start and end.
 */
public final class MethodPolicies {

	private static final MethodPolicies NONE = new MethodPolicies(List.of(), false);

	private final List<Entry> entries;

	private final Map<String, Match> byMethod = new HashMap<>();

	private final Map<String, Match> byService = new HashMap<>();

	private final @Nullable Match byDefault;

	private final boolean throttled;

	private final boolean hasPolicy;

	private MethodPolicies(List<Entry> entries, boolean throttled) {
		this.entries = entries;
		this.throttled = throttled;
		this.hasPolicy = entries.stream().anyMatch((entry) -> entry.policy() != null);
		Match byDefault = null;
		for (Entry entry : entries) {
			for (int i = 0; i < entry.names().size(); i++) {
				Name name = entry.names().get(i);
				Match match = new Match(entry, i);
				if (name.service() == null || name.service().isEmpty()) {
					byDefault = (byDefault != null) ? byDefault : match;
				}
				else if (name.method() == null || name.method().isEmpty()) {
					this.byService.putIfAbsent(name.service(), match);
				}
				else {
					this.byMethod.putIfAbsent(name.service() + "/" + name.method(), match);
				}
			}
		}
		this.byDefault = byDefault;
	}

	/**
	 * The policies of a service config as grpc-java takes it ({@code methodConfig}, {@code retryThrottling}), with
	 * each {@code maxAttempts} lowered to the channel's cap, as grpc-java lowers it.
	 * @param serviceConfig the service config
	 * @param attemptCap the channel's cap on retry and hedging attempts
	 * @return its policies
	 */
	public static MethodPolicies of(Map<String, ?> serviceConfig, int attemptCap) {
		List<Entry> entries = new ArrayList<>();
		if (serviceConfig.get("methodConfig") instanceof List<?> methodConfigs) {
			for (int index = 0; index < methodConfigs.size(); index++) {
				if (methodConfigs.get(index) instanceof Map<?, ?> methodConfig) {
					entries.add(new Entry(index, names(methodConfig.get("name")), policy(methodConfig, attemptCap)));
				}
			}
		}
		return new MethodPolicies(Collections.unmodifiableList(entries),
				serviceConfig.get("retryThrottling") instanceof Map<?, ?>);
	}

	/**
	 * The policies of a channel without a service config: no entry governs any method.
	 * @return no policies
	 */
	public static MethodPolicies none() {
		return NONE;
	}

	/**
	 * The entry that governs a method, and which of its names matched.
	 * @param fullMethodName the method's full name, {@code <service>/<method>}
	 * @return the match, or {@code null} when no entry governs the method
	 */
	public @Nullable Match governing(String fullMethodName) {
		Match match = this.byMethod.get(fullMethodName);
		if (match != null) {
			return match;
		}
		int slash = fullMethodName.lastIndexOf('/');
		match = (slash >= 0) ? this.byService.get(fullMethodName.substring(0, slash)) : null;
		return (match != null) ? match : this.byDefault;
	}

	/**
	 * The method configs, in the order written.
	 * @return the entries
	 */
	public List<Entry> entries() {
		return this.entries;
	}

	/**
	 * Whether any method config has a retry or hedging policy.
	 * @return whether one has
	 */
	public boolean hasPolicy() {
		return this.hasPolicy;
	}

	/**
	 * Whether the config throttles retries and hedges ({@code retryThrottling}).
	 * @return whether it does
	 */
	public boolean throttled() {
		return this.throttled;
	}

	private static List<Name> names(@Nullable Object names) {
		List<Name> read = new ArrayList<>();
		if (names instanceof List<?> list) {
			for (Object name : list) {
				if (name instanceof Map<?, ?> map) {
					read.add(new Name(text(map.get("service")), text(map.get("method"))));
				}
			}
		}
		return List.copyOf(read);
	}

	private static @Nullable String text(@Nullable Object value) {
		return (value instanceof String text) ? text : null;
	}

	private static @Nullable Policy policy(Map<?, ?> methodConfig, int attemptCap) {
		if (methodConfig.get("retryPolicy") instanceof Map<?, ?> retry) {
			return new Policy(false, maxAttempts(retry, attemptCap), codes(retry.get("retryableStatusCodes")));
		}
		if (methodConfig.get("hedgingPolicy") instanceof Map<?, ?> hedging) {
			return new Policy(true, maxAttempts(hedging, attemptCap), codes(hedging.get("nonFatalStatusCodes")));
		}
		return null;
	}

	private static int maxAttempts(Map<?, ?> policy, int attemptCap) {
		int maxAttempts = (policy.get("maxAttempts") instanceof Number number) ? number.intValue() : 0;
		return Math.min(maxAttempts, attemptCap);
	}

	// As grpc-java reads them: a code's name, or its number.
	private static Set<Status.Code> codes(@Nullable Object codes) {
		Set<Status.Code> read = EnumSet.noneOf(Status.Code.class);
		if (codes instanceof List<?> list) {
			for (Object code : list) {
				if (code instanceof Number number) {
					read.add(Status.fromCodeValue(number.intValue()).getCode());
				}
				else if (code instanceof String name) {
					read.add(Status.Code.valueOf(name.toUpperCase(Locale.ROOT)));
				}
			}
		}
		return Collections.unmodifiableSet(read);
	}

	/**
	 * One method config.
	 *
	 * @param index its place in {@code methodConfig}, from 0
	 * @param names its names; empty for none
	 * @param policy its retry or hedging policy, or {@code null} for none
	 */
	public record Entry(int index, List<Name> names, @Nullable Policy policy) {

		/**
		 * What the entry governs, the same in every config that names the same: {@code echo.Echo/UnaryEcho},
		 * {@code echo.Echo} for a whole service, {@code *} for the default entry, names joined by a comma; empty
		 * for an entry without names, which governs nothing.
		 * @return the key
		 */
		public String key() {
			List<String> keys = new ArrayList<>();
			for (Name name : this.names) {
				keys.add(name.written());
			}
			return String.join(",", keys);
		}

	}

	/**
	 * One name of a method config.
	 *
	 * @param service the service, or {@code null}
	 * @param method the method, or {@code null}
	 */
	public record Name(@Nullable String service, @Nullable String method) {

		/**
		 * The name as a full method name, a service name, or {@code *} for the default entry.
		 * @return the name
		 */
		public String written() {
			if (this.service == null || this.service.isEmpty()) {
				return "*";
			}
			return (this.method == null || this.method.isEmpty()) ? this.service : this.service + "/" + this.method;
		}

	}

	/**
	 * A retry or hedging policy, as grpc-java applies it.
	 *
	 * @param hedging whether it is a hedging policy
	 * @param maxAttempts its attempts, first included, lowered to the channel's cap
	 * @param codes the retryable status codes of a retry policy, the non-fatal ones of a hedging policy
	 */
	public record Policy(boolean hedging, int maxAttempts, Set<Status.Code> codes) {
	}

	/**
	 * The entry that governs a method, and which of its names matched it.
	 *
	 * @param entry the entry
	 * @param nameIndex the index of the name that matched
	 */
	public record Match(Entry entry, int nameIndex) {
	}

}
