package io.github.grpcretry.internal.metrics;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import io.github.grpcretry.internal.serviceconfig.CallPolicies;
import io.github.grpcretry.internal.serviceconfig.CloseNames;
import io.github.grpcretry.internal.serviceconfig.MethodPolicies;
import org.jspecify.annotations.Nullable;

/**
 * Which method config governed each call of one client, counted since start: the calls of each entry, by what it
 * names, so that a refresh that keeps an entry's names keeps its count; the calls of methods that no entry governed;
 * and each name that matched no call while calls went to a close name, warned of once.
 */
public final class CallGovernance {

	// Named after the public class, which is what a user looks for in the log configuration.
	private static final System.Logger logger = System.getLogger(AttemptMetricsInterceptor.class.getName());

	private final String client;

	// Where the names are written, such as grpc.clients.echo.method-config, for the warning.
	private final String methodConfigProperty;

	// Bounded by the entries configured since start, and by the methods with meters of their own.
	private final Map<String, LongAdder> governed = new ConcurrentHashMap<>();

	private final Map<String, LongAdder> ungoverned = new ConcurrentHashMap<>();

	// "<entry key>#<name index>" of each name found matching no call, with what the calls use.
	private final Map<String, String> didYouMean = new ConcurrentHashMap<>();

	// The fewest request bytes that overflow a call's retry buffer: its own limit, or the channel's if smaller.
	private final LongSupplier bufferLimit;

	CallGovernance(String client, String methodConfigProperty, LongSupplier bufferLimit) {
		this.client = client;
		this.methodConfigProperty = methodConfigProperty;
		this.bufferLimit = bufferLimit;
	}

	/**
	 * How the calls of one method are governed under one config: made once per method and config.
	 * @param policies the policies of the config
	 * @param fullMethodName the method's full name
	 * @param countedAs the method as its meters name it, {@code other} for a method built at run time
	 * @return the method's governance
	 */
	Method of(CallPolicies policies, String fullMethodName, String countedAs) {
		if (!policies.known()) {
			// The target's resolver supplies the config: which of its routes governs a call is the resolver's.
			return new Method(policies, null, false, false, null, fullMethodName, List.of());
		}
		MethodPolicies.Match match = policies.inEffect().governing(fullMethodName);
		MethodPolicies.@Nullable Policy policy = (match != null) ? match.entry().policy() : null;
		boolean offHadPolicy = false;
		MethodPolicies whileOn = policies.whileOn();
		if (policy == null && whileOn != null) {
			MethodPolicies.Match on = whileOn.governing(fullMethodName);
			offHadPolicy = on != null && on.entry().policy() != null;
		}
		LongAdder calls = (match != null) ? this.governed.computeIfAbsent(match.entry().key(), (key) -> new LongAdder())
				: this.ungoverned.computeIfAbsent(countedAs, (key) -> new LongAdder());
		boolean byDefault = match == null || "*".equals(match.entry().names().get(match.nameIndex()).written());
		List<Suspect> suspects = byDefault ? suspects(policies.inEffect(), fullMethodName) : List.of();
		return new Method(policies, policy, offHadPolicy, policies.inEffect().throttled(), calls, fullMethodName,
				suspects);
	}

	// The names of entries that this method's calls may have been meant for: close to its service or to itself.
	private List<Suspect> suspects(MethodPolicies policies, String fullMethodName) {
		int slash = fullMethodName.lastIndexOf('/');
		String service = (slash >= 0) ? fullMethodName.substring(0, slash) : fullMethodName;
		List<Suspect> suspects = new ArrayList<>();
		for (MethodPolicies.Entry entry : policies.entries()) {
			for (int j = 0; j < entry.names().size(); j++) {
				MethodPolicies.Name name = entry.names().get(j);
				if (name.service() == null || name.service().isEmpty()) {
					continue;
				}
				boolean wholeService = name.method() == null || name.method().isEmpty();
				String meant = wholeService ? CloseNames.closest(name.service(), List.of(service))
						: CloseNames.closest(name.written(), List.of(fullMethodName));
				if (meant != null) {
					// The part to fix: the service, unless the calls' service is the one written.
					String part = (wholeService || !name.service().equals(service)) ? "service" : "method";
					suspects.add(new Suspect(entry, j, part, meant));
				}
			}
		}
		return suspects;
	}

	/**
	 * The calls each entry governed since start, by the entry's key ({@link MethodPolicies.Entry#key()}).
	 * @param key the entry's key
	 * @return how many
	 */
	public long governedCalls(String key) {
		LongAdder calls = this.governed.get(key);
		return (calls != null) ? calls.sum() : 0;
	}

	/**
	 * The calls that no entry governed since start, by method ({@code other} for the methods built at run time).
	 * @return the counts, in the methods' order
	 */
	public Map<String, Long> ungovernedCalls() {
		Map<String, Long> calls = new LinkedHashMap<>();
		this.ungoverned.entrySet()
			.stream()
			.sorted(Map.Entry.comparingByKey())
			.forEach((method) -> calls.put(method.getKey(), method.getValue().sum()));
		return Collections.unmodifiableMap(calls);
	}

	/**
	 * What the calls use where an entry's name matched no call, as warned of.
	 * @param entry the entry
	 * @return the names it writes, each with the close name the calls use instead; empty when none
	 */
	public Map<String, String> didYouMean(MethodPolicies.Entry entry) {
		Map<String, String> meant = new LinkedHashMap<>();
		for (int j = 0; j < entry.names().size(); j++) {
			String calls = this.didYouMean.get(entry.key() + "#" + j);
			if (calls != null) {
				meant.put(entry.names().get(j).written(), calls);
			}
		}
		return Collections.unmodifiableMap(meant);
	}

	/**
	 * A name of an entry close to a method that no entry (or only the default one) governs.
	 */
	private record Suspect(MethodPolicies.Entry entry, int nameIndex, String part, String meant) {
	}

	/**
	 * How the calls of one method are governed under one config.
	 */
	final class Method {

		final CallPolicies policies;

		final MethodPolicies.@Nullable Policy policy;

		final boolean offHadPolicy;

		final boolean throttling;

		// Null for a config the starter does not know: no entry of its own governs the calls.
		private final @Nullable LongAdder calls;

		private final String fullMethodName;

		private final List<Suspect> suspects;

		String fullMethodName() {
			return this.fullMethodName;
		}

		long bufferLimit() {
			return CallGovernance.this.bufferLimit.getAsLong();
		}

		Method(CallPolicies policies, MethodPolicies.@Nullable Policy policy, boolean offHadPolicy, boolean throttling,
				@Nullable LongAdder calls, String fullMethodName, List<Suspect> suspects) {
			this.policies = policies;
			this.policy = policy;
			this.offHadPolicy = offHadPolicy;
			this.throttling = throttling;
			this.calls = calls;
			this.fullMethodName = fullMethodName;
			this.suspects = suspects;
		}

		/** Counts a call that started under it, and warns of a name that its calls were likely meant to match. */
		void callStarted() {
			LongAdder calls = this.calls;
			if (calls != null) {
				calls.increment();
			}
			if (this.suspects.isEmpty()) {
				return;
			}
			for (Suspect suspect : this.suspects) {
				String key = suspect.entry().key() + "#" + suspect.nameIndex();
				if (!CallGovernance.this.didYouMean.containsKey(key) && governedCalls(suspect.entry().key()) == 0
						&& CallGovernance.this.didYouMean.putIfAbsent(key, suspect.meant()) == null) {
					warn(suspect);
				}
			}
		}

		private void warn(Suspect suspect) {
			MethodPolicies.Name name = suspect.entry().names().get(suspect.nameIndex());
			String property = CallGovernance.this.methodConfigProperty + "[" + suspect.entry().index() + "].name["
					+ suspect.nameIndex() + "]." + suspect.part();
			String written = name.written();
			logger.log(Level.WARNING, () -> "gRPC client '" + CallGovernance.this.client + "': " + property
					+ " names '" + written + "', which matched no call, while calls to '" + this.fullMethodName
					+ "' have no method config of their own; did you mean '" + suspect.meant() + "'? A name must be"
					+ " the full service name, package included, as the generated code's SERVICE_NAME says");
		}

	}

}
