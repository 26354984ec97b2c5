package io.github.grpcretry.internal.validation;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.github.grpcretry.properties.FailureStatusCode;
import io.github.grpcretry.properties.HedgingPolicyProperties;
import io.github.grpcretry.properties.MethodConfigProperties;
import io.github.grpcretry.properties.RetryPolicyProperties;
import io.github.grpcretry.properties.RetryThrottlingProperties;
import io.github.grpcretry.validation.Violation;
import org.jspecify.annotations.Nullable;

/**
 * The rules of gRFC A6 and grpc-java for a service config (method configs, their names, timeouts, retry and hedging
 * policies, retry throttling), so that none would fail a channel, silently not retry, or be changed by grpc-java;
 * what grpc-java does with each value is written once, in {@link GrpcJavaLimits}. They check a client's
 * {@code method-config} and {@code retry-throttling}, and Spring Boot 4.1's typed service config, each reported in
 * its own key names ({@link ServiceConfigKeys}).
 */
public final class ServiceConfigRules {

	private final String path;

	private final ServiceConfigKeys keys;

	private final Violations violations;

	// Which entry, if any, has no name and so is the default method config.
	private @Nullable String defaultEntry;

	ServiceConfigRules(String path, ServiceConfigKeys keys, Violations violations) {
		this.path = path;
		this.keys = keys;
		this.violations = violations;
	}

	/**
	 * Validates one service config by the same rules as a client's, in the key names of its property tree.
	 * @param path the property path of the service config, such as
	 * {@code spring.grpc.client.channel.echo.service-config}
	 * @param keys the key names of the tree
	 * @param methodConfigs the method configs, in the order written
	 * @param retryThrottling the retry throttling, or {@code null} when not set
	 * @return the violations, empty when the service config is valid
	 */
	public static List<Violation> validate(String path, ServiceConfigKeys keys,
			List<MethodConfigProperties> methodConfigs, @Nullable RetryThrottlingProperties retryThrottling) {
		List<Violation> violations = new ArrayList<>();
		new ServiceConfigRules(path, keys, new Violations(violations)).checkServiceConfig(methodConfigs, retryThrottling);
		return violations;
	}

	/**
	 * The violation of a method config that has both a retry and a hedging policy.
	 * @param entry the property path of the method config, such as {@code grpc.clients.echo.method-config[0]}
	 * @param keys the key names of its tree
	 * @return the violation
	 */
	public static Violation retryAndHedging(String entry, ServiceConfigKeys keys) {
		return Violation.of(entry, null,
				"has both " + keys.retryPolicy() + " and " + keys.hedgingPolicy()
						+ "; a call can either retry or hedge",
				"keep " + keys.retryPolicy() + " to retry after failures, or " + keys.hedgingPolicy()
						+ " to send attempts ahead of time, and remove the other");
	}

	/**
	 * The violation of a policy that names {@code OK} among its codes: a tree whose binding reads {@code OK}, as
	 * Spring Boot's does, reports it this way; the starter's own binding refuses it.
	 * @param property the property path of the codes
	 * @param what what a policy does on its codes: {@code retried} or {@code hedged on}
	 * @return the violation
	 */
	public static Violation successCode(String property, String what) {
		return Violation.of(property, "OK", "holds OK, which is success and is never " + what,
				"remove OK; use failure codes such as UNAVAILABLE");
	}

	void checkServiceConfig(List<MethodConfigProperties> methodConfigs,
			@Nullable RetryThrottlingProperties retryThrottling) {
		Map<String, String> namedCalls = new HashMap<>();
		for (int i = 0; i < methodConfigs.size(); i++) {
			checkMethodConfig(this.path + "." + this.keys.methodConfig() + "[" + i + "]", methodConfigs.get(i),
					namedCalls);
		}
		if (retryThrottling != null) {
			checkRetryThrottling(this.path + "." + this.keys.retryThrottling(), retryThrottling);
		}
	}

	private void checkMethodConfig(String entry, MethodConfigProperties methodConfig,
			Map<String, String> namedCalls) {
		if (methodConfig.name().isEmpty()) {
			checkDefaultEntry(entry);
		}
		for (int j = 0; j < methodConfig.name().size(); j++) {
			checkName(entry + ".name[" + j + "]", methodConfig.name().get(j), namedCalls);
		}
		checkTimeout(entry + ".timeout", methodConfig.timeout());
		this.violations.messageSize(entry + "." + this.keys.maxRequestMessage(), methodConfig.maxRequestMessageBytes());
		this.violations.messageSize(entry + "." + this.keys.maxResponseMessage(), methodConfig.maxResponseMessageBytes());
		if (methodConfig.retryPolicy() != null && methodConfig.hedgingPolicy() != null) {
			this.violations.add(retryAndHedging(entry, this.keys));
		}
		if (methodConfig.retryPolicy() != null) {
			checkRetryPolicy(entry + "." + this.keys.retryPolicy(), methodConfig.retryPolicy());
		}
		if (methodConfig.hedgingPolicy() != null) {
			checkHedgingPolicy(entry + "." + this.keys.hedgingPolicy(), methodConfig.hedgingPolicy());
		}
	}

	private void checkDefaultEntry(String entry) {
		// gRPC's service config has one default method config: grpc-java refuses a second one.
		if (this.defaultEntry != null) {
			this.violations.add(entry + ".name", null,
					"is not set, so this entry is the " + this.keys.owner() + "'s default method config, for"
							+ " every method no other entry names; but " + this.defaultEntry + " has no name"
							+ " either, and a " + this.keys.owner() + " has one default",
					"name the calls this entry governs (name: [{service: <proto package>.<Service>}]), or merge"
							+ " it into " + this.defaultEntry);
		}
		else {
			this.defaultEntry = entry;
		}
	}

	private void checkName(String property, MethodConfigProperties.Name name, Map<String, String> namedCalls) {
		if (name.service() == null || name.service().isBlank()) {
			this.violations.add(property + ".service", name.service(), "is required: every name needs its full service name",
					"set it to <proto package>.<Service>, such as echo.Echo; for an entry that governs every"
							+ " method no other entry names, remove its name altogether");
			return;
		}
		boolean serviceWide = (name.method() == null || name.method().isEmpty());
		String call = serviceWide ? name.service() + "/*" : name.service() + "/" + name.method();
		String first = namedCalls.putIfAbsent(call, property);
		if (first != null) {
			this.violations.add(property, call,
					(serviceWide ? "names every method of " + name.service() : "names " + call)
							+ " again; it is already named by " + first,
					"remove one of the two, or merge the entries");
		}
	}

	private void checkTimeout(String property, @Nullable Duration timeout) {
		if (timeout == null || !this.violations.positive(property, timeout, "such as 2s, or remove it for no deadline")) {
			return;
		}
		if (timeout.compareTo(GrpcJavaLimits.LONGEST_DEADLINE) > 0) {
			this.violations.add(property, timeout,
					"is later than grpc-java's latest deadline, 36500 days (100 years), to which it would"
							+ " shorten it without a word",
					"set 36500d or less, or remove timeout for no deadline");
		}
	}

	private void checkRetryPolicy(String policy, RetryPolicyProperties retry) {
		maxAttempts(policy + ".max-attempts", retry.maxAttempts(), "retry");
		Duration initialBackoff = validBackoff(policy + ".initial-backoff", retry.initialBackoff(),
				"such as .1s or 100ms");
		Duration maxBackoff = validBackoff(policy + ".max-backoff", retry.maxBackoff(),
				"such as 1s, at least initial-backoff");
		if (initialBackoff != null && maxBackoff != null && maxBackoff.compareTo(initialBackoff) < 0) {
			this.violations.add(policy + ".max-backoff", maxBackoff,
					"is shorter than initial-backoff (" + initialBackoff + "), which grpc-java waits before"
							+ " the first retry all the same (0.8 to 1.2 times it), so it would not bound"
							+ " every backoff",
					"set max-backoff to initial-backoff or more, or lower initial-backoff");
		}
		Double multiplier = retry.backoffMultiplier();
		if (multiplier == null || !(multiplier > 0) || multiplier.isInfinite()) {
			this.violations.add(policy + ".backoff-multiplier", multiplier,
					(multiplier == null) ? Violations.REQUIRED : "must be greater than 0 and finite",
					"set it to 1.0 for a constant backoff or 2.0 to double it after each retry");
		}
		// Each code is a failure code already: binding refuses any other text, OK included.
		List<FailureStatusCode> codes = retry.retryableStatusCodes();
		if (codes == null || codes.isEmpty()) {
			this.violations.add(policy + ".retryable-status-codes", (codes != null) ? "" : null,
					"is required: without it no failure is retried",
					"list the codes to retry, such as [UNAVAILABLE]");
		}
	}

	// The backoff if it is valid, else null (and a violation).
	private @Nullable Duration validBackoff(String property, @Nullable Duration backoff, String example) {
		if (backoff == null) {
			this.violations.add(property, null, Violations.REQUIRED, "set it, " + example);
			return null;
		}
		boolean valid = this.violations.positive(property, backoff, example)
				&& this.violations.heldByGrpcJava(property, backoff, "set it, " + example);
		return valid ? backoff : null;
	}

	private void checkHedgingPolicy(String policy, HedgingPolicyProperties hedging) {
		maxAttempts(policy + ".max-attempts", hedging.maxAttempts(), "hedge");
		Duration delay = hedging.hedgingDelay();
		String property = policy + "." + this.keys.hedgingDelay();
		String example = "such as 50ms; 0s sends every attempt at once";
		if (delay == null) {
			this.violations.add(property, null, Violations.REQUIRED, "set the time between attempts, " + example);
		}
		else if (this.violations.notNegative(property, delay, example)) {
			this.violations.heldByGrpcJava(property, delay, "set a shorter delay, " + example);
		}
	}

	private void checkRetryThrottling(String throttling, RetryThrottlingProperties properties) {
		Integer maxTokens = checkMaxTokens(throttling + ".max-tokens", properties.maxTokens());
		String property = throttling + ".token-ratio";
		Double tokenRatio = properties.tokenRatio();
		if (tokenRatio == null || !(tokenRatio > 0) || tokenRatio.isInfinite()) {
			this.violations.add(property, tokenRatio,
					(tokenRatio == null) ? Violations.REQUIRED : "must be greater than 0 and finite",
					"set the tokens a success gives back, such as 0.1");
			return;
		}
		// While max-tokens is invalid, the largest bucket A6 allows still shows a ratio that overflows.
		int bucket = (maxTokens != null) ? maxTokens
				: (int) (GrpcJavaLimits.MAX_TOKENS_LIMIT * GrpcJavaLimits.THROTTLE_SCALE);
		BigDecimal largest = BigDecimal.valueOf(GrpcJavaLimits.largestTokenRatioThousandths(bucket), 3);
		if (decimal(tokenRatio).compareTo(largest) > 0) {
			String bucketSize = BigDecimal.valueOf(bucket, 3).stripTrailingZeros().toPlainString();
			this.violations.add(property, tokenRatio,
					"is too large for grpc-java, which adds it to its token count in thousandths, as an int:"
							+ " with max-tokens " + ((maxTokens != null) ? "" : "up to ") + bucketSize
							+ " it must be at most " + largest.toPlainString() + ", or the count overflows",
					"set it to max-tokens or less; a success never fills the bucket beyond max-tokens anyway");
		}
		else if (!GrpcJavaLimits.keepsThrottleValue(tokenRatio)) {
			throttleValueChanged(property, tokenRatio);
		}
	}

	/**
	 * Checks {@code max-tokens}.
	 * @return the bucket size grpc-java keeps, in thousandths, or {@code null} if the value is invalid
	 */
	private @Nullable Integer checkMaxTokens(String property, @Nullable Double maxTokens) {
		if (maxTokens == null || !(maxTokens > 0 && maxTokens <= GrpcJavaLimits.MAX_TOKENS_LIMIT)) {
			this.violations.add(property, maxTokens,
					(maxTokens == null) ? Violations.REQUIRED : "must be greater than 0 and at most 1000 (gRFC A6)",
					"set the token bucket's size, such as 10");
			return null;
		}
		if (!GrpcJavaLimits.keepsThrottleValue(maxTokens)) {
			throttleValueChanged(property, maxTokens);
			return null;
		}
		int thousandths = GrpcJavaLimits.throttleThousandths(maxTokens);
		if (!GrpcJavaLimits.throttleLetsRetry(thousandths)) {
			BigDecimal full = decimal(maxTokens);
			BigDecimal afterFailure = full.subtract(BigDecimal.ONE).max(BigDecimal.ZERO);
			this.violations.add(property, maxTokens,
					"lets no retry or hedge ever happen: gRFC A6 allows one only while more than half of"
							+ " max-tokens is left after a failure, and the first failure takes a full bucket of "
							+ full.toPlainString() + " to " + afterFailure.toPlainString() + ", not more than "
							+ full.divide(BigDecimal.valueOf(2)).toPlainString(),
					"set it to " + GrpcJavaLimits.smallestMaxTokensLettingRetry().toPlainString()
							+ " or more, such as 10, or remove " + this.keys.retryThrottling()
							+ " to retry without it");
			return null;
		}
		return thousandths;
	}

	private void throttleValueChanged(String property, double value) {
		BigDecimal[] near = GrpcJavaLimits.keptThrottleValuesNear(value);
		String fix = (near.length > 0)
				? "use a value grpc-java keeps as written, such as " + Arrays.stream(near)
					.map(BigDecimal::toPlainString)
					.collect(Collectors.joining(" or "))
				: "use a smaller value with at most 3 decimal places";
		this.violations.add(property, value,
				"would be " + GrpcJavaLimits.throttleValueUsed(value).toPlainString() + " in grpc-java, which"
						+ " keeps retry-throttling values as whole thousandths computed in float precision and"
						+ " drops the rest without a word",
				fix);
	}

	private static BigDecimal decimal(double value) {
		return BigDecimal.valueOf(value).stripTrailingZeros();
	}

	private void maxAttempts(String property, @Nullable Integer maxAttempts, String verb) {
		if (maxAttempts == null || maxAttempts < 2) {
			this.violations.add(property, maxAttempts,
					(maxAttempts == null) ? Violations.REQUIRED
							: "must be at least 2: the first attempt plus at least one " + verb,
					"set it to 2 or more (the first attempt included)");
		}
	}

}
