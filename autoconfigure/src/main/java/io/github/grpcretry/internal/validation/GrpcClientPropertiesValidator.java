package io.github.grpcretry.internal.validation;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.github.grpcretry.internal.channel.ClientAddress;
import io.github.grpcretry.internal.channel.StaticNameResolverProvider;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.FailureStatusCode;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.properties.HedgingPolicyProperties;
import io.github.grpcretry.properties.MethodConfigProperties;
import io.github.grpcretry.properties.NegotiationType;
import io.github.grpcretry.properties.RetryPolicyProperties;
import io.github.grpcretry.properties.RetryThrottlingProperties;
import io.github.grpcretry.validation.Violation;
import org.jspecify.annotations.Nullable;

import org.springframework.util.unit.DataSize;

/**
 * Checks client properties against the rules of gRFC A6 and grpc-java, so that a channel that would fail to build,
 * would silently not retry, or would have a value changed by grpc-java (truncated, raised, overflowed) never starts.
 * What grpc-java does with each value is written once, in {@link GrpcJavaLimits}. The service-config rules also
 * check Spring Boot 4.1's typed service config, reported in its key names ({@link ServiceConfigKeys}). Collects every
 * violation instead of stopping at the first.
 */
public final class GrpcClientPropertiesValidator {

	private static final String STATIC_SCHEME = "static://";

	// Spring Boot binds a list from the one source that sets it: an override elsewhere drops the other fields.
	private static final String REQUIRED = "is required (if it is set in one property source and another sets"
			+ " a field of the same list entry, Spring Boot binds the whole list from the other source only)";

	private static final String TOO_LONG = "is longer than grpc-java can hold: it keeps durations as nanoseconds"
			+ " in a long, at most 292 years (" + GrpcJavaLimits.LONGEST_DURATION + ")";

	private final Predicate<String> sslBundleExists;

	private final @Nullable String grpcJavaVersion;

	/**
	 * Creates a validator for the grpc-java this application runs.
	 * @param sslBundleExists tells whether an SSL bundle of the given name is registered
	 */
	public GrpcClientPropertiesValidator(Predicate<String> sslBundleExists) {
		this(sslBundleExists, XdsTargets.runningGrpcJavaVersion());
	}

	/**
	 * Creates a validator for a given grpc-java.
	 * @param sslBundleExists tells whether an SSL bundle of the given name is registered
	 * @param grpcJavaVersion the grpc-java version the channels run on, or {@code null} when not known
	 */
	GrpcClientPropertiesValidator(Predicate<String> sslBundleExists, @Nullable String grpcJavaVersion) {
		this.sslBundleExists = sslBundleExists;
		this.grpcJavaVersion = grpcJavaVersion;
	}

	/**
	 * Validates every client.
	 * @param properties the bound properties
	 * @return the violations, empty when every client is valid
	 */
	public List<Violation> validate(GrpcClientsProperties properties) {
		List<Violation> violations = new ArrayList<>();
		properties.clients()
			.forEach((name, client) -> new Check(GrpcClientsProperties.CLIENTS + "." + name,
					ServiceConfigKeys.GRPC_CLIENTS, violations)
				.checkClient(client, this.sslBundleExists, this.grpcJavaVersion));
		return violations;
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
	public static List<Violation> validateServiceConfig(String path, ServiceConfigKeys keys,
			List<MethodConfigProperties> methodConfigs, @Nullable RetryThrottlingProperties retryThrottling) {
		List<Violation> violations = new ArrayList<>();
		new Check(path, keys, violations).checkServiceConfig(methodConfigs, retryThrottling);
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

	private static final class Check {

		private final String path;

		private final ServiceConfigKeys keys;

		private final List<Violation> violations;

		// Which entry, if any, has no name and so is the client's default method config.
		private @Nullable String defaultEntry;

		Check(String path, ServiceConfigKeys keys, List<Violation> violations) {
			this.path = path;
			this.keys = keys;
			this.violations = violations;
		}

		void checkClient(ClientProperties client, Predicate<String> sslBundleExists,
				@Nullable String grpcJavaVersion) {
			checkAddress(client.address());
			if (ClientAddress.isXds(client.address())) {
				checkXds(client, grpcJavaVersion);
			}
			checkSsl(client, sslBundleExists);
			checkServiceConfig(client.methodConfig(), client.retryThrottling());
			positive(this.path + ".retry-buffer-size", client.retryBufferSize(),
					"the memory all calls share for replaying requests; 16MB is grpc-java's default");
			positive(this.path + ".per-rpc-buffer-limit", client.perRpcBufferLimit(),
					"the memory one call may hold for replaying its request; 1MB is grpc-java's default");
			checkShutdownGracePeriod(this.path + ".shutdown-grace-period", client.shutdownGracePeriod());
			checkKeepAliveTime(this.path + ".keep-alive.time", client.keepAlive().time());
			checkKeepAliveTimeout(this.path + ".keep-alive.timeout", client.keepAlive().timeout());
			checkIdleTimeout(this.path + ".idle-timeout", client.idleTimeout());
			messageSize(this.path + ".max-inbound-message-size", client.maxInboundMessageSize());
			metadataSize(this.path + ".max-inbound-metadata-size", client.maxInboundMetadataSize());
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

		private void checkAddress(@Nullable String address) {
			String property = this.path + ".address";
			if (address == null || address.isBlank()) {
				add(property, address, "is required: a client needs a target to connect to",
						"set it to host:port, a target URI such as dns:///host:port, or static://h1:p1,h2:p2");
				return;
			}
			if (address.startsWith(STATIC_SCHEME)) {
				String backends = address.substring(STATIC_SCHEME.length());
				for (String backend : backends.split(",", -1)) {
					try {
						StaticNameResolverProvider.backend(backend);
					}
					catch (IllegalArgumentException ex) {
						add(property, address, String.valueOf(ex.getMessage()),
								"list the backends as static://host1:port1,host2:port2");
						return;
					}
				}
			}
		}

		// An xds: target's resolver supplies the whole service config, from the control plane: grpc-java never applies
		// the channel's own there, so a policy written for it would silently not run.
		private void checkXds(ClientProperties client, @Nullable String grpcJavaVersion) {
			String ignored = "is set for an xds: client, whose service config the xDS control plane supplies: grpc-java"
					+ " never applies this one, so ";
			String fix = "configure retries in the control plane's route (its RetryPolicy), or remove ";
			if (!client.methodConfig().isEmpty()) {
				add(this.path + "." + this.keys.methodConfig(), null,
						ignored + "none of its retries, hedging or timeouts would happen",
						fix + this.keys.methodConfig());
			}
			if (client.retryThrottling() != null) {
				add(this.path + "." + this.keys.retryThrottling(), null,
						ignored + "its retries would never be throttled by it", fix + this.keys.retryThrottling());
			}
			if (XdsTargets.sendsRetriedRequestsEmpty(grpcJavaVersion)) {
				add(this.path + ".address", client.address(),
						"is an xds: target, and grpc-java " + grpcJavaVersion + " (1.83.0 and 1.83.1) sends every"
								+ " retried request of an xds: call empty, so servers would receive empty requests"
								+ " whenever the control plane's route retries (grpc-java issue 13010)",
						"use grpc-java 1.84.1 or later for every io.grpc artifact (grpc-bom)");
			}
		}

		private void checkSsl(ClientProperties client, Predicate<String> sslBundleExists) {
			String bundle = client.ssl().bundle();
			if (bundle == null) {
				return;
			}
			String property = this.path + ".ssl.bundle";
			if (client.negotiationType() == NegotiationType.PLAINTEXT) {
				add(property, bundle, "is set, but negotiation-type is plaintext, so the bundle would be ignored",
						"set negotiation-type to tls, or remove ssl.bundle");
			}
			else if (!sslBundleExists.test(bundle)) {
				add(property, bundle, "names no SSL bundle",
						"define it under spring.ssl.bundle.jks." + bundle + " or spring.ssl.bundle.pem." + bundle
								+ ", or correct the name");
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
			messageSize(entry + "." + this.keys.maxRequestMessage(), methodConfig.maxRequestMessageBytes());
			messageSize(entry + "." + this.keys.maxResponseMessage(), methodConfig.maxResponseMessageBytes());
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
				add(entry + ".name", null,
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
				add(property + ".service", name.service(), "is required: every name needs its full service name",
						"set it to <proto package>.<Service>, such as echo.Echo; for an entry that governs every"
								+ " method no other entry names, remove its name altogether");
				return;
			}
			boolean serviceWide = (name.method() == null || name.method().isEmpty());
			String call = serviceWide ? name.service() + "/*" : name.service() + "/" + name.method();
			String first = namedCalls.putIfAbsent(call, property);
			if (first != null) {
				add(property, call,
						(serviceWide ? "names every method of " + name.service() : "names " + call)
								+ " again; it is already named by " + first,
						"remove one of the two, or merge the entries");
			}
		}

		private void checkTimeout(String property, @Nullable Duration timeout) {
			if (timeout == null || !positive(property, timeout, "such as 2s, or remove it for no deadline")) {
				return;
			}
			if (timeout.compareTo(GrpcJavaLimits.LONGEST_DEADLINE) > 0) {
				add(property, timeout,
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
				add(policy + ".max-backoff", maxBackoff,
						"is shorter than initial-backoff (" + initialBackoff + "), which grpc-java waits before"
								+ " the first retry all the same (0.8 to 1.2 times it), so it would not bound"
								+ " every backoff",
						"set max-backoff to initial-backoff or more, or lower initial-backoff");
			}
			Double multiplier = retry.backoffMultiplier();
			if (multiplier == null || !(multiplier > 0) || multiplier.isInfinite()) {
				add(policy + ".backoff-multiplier", multiplier,
						(multiplier == null) ? REQUIRED : "must be greater than 0 and finite",
						"set it to 1.0 for a constant backoff or 2.0 to double it after each retry");
			}
			// Each code is a failure code already: binding refuses any other text, OK included.
			List<FailureStatusCode> codes = retry.retryableStatusCodes();
			if (codes == null || codes.isEmpty()) {
				add(policy + ".retryable-status-codes", (codes != null) ? "" : null,
						"is required: without it no failure is retried",
						"list the codes to retry, such as [UNAVAILABLE]");
			}
		}

		// The backoff if it is valid, else null (and a violation).
		private @Nullable Duration validBackoff(String property, @Nullable Duration backoff, String example) {
			if (backoff == null) {
				add(property, null, REQUIRED, "set it, " + example);
				return null;
			}
			boolean valid = positive(property, backoff, example)
					&& heldByGrpcJava(property, backoff, "set it, " + example);
			return valid ? backoff : null;
		}

		private void checkHedgingPolicy(String policy, HedgingPolicyProperties hedging) {
			maxAttempts(policy + ".max-attempts", hedging.maxAttempts(), "hedge");
			Duration delay = hedging.hedgingDelay();
			String property = policy + "." + this.keys.hedgingDelay();
			String example = "such as 50ms; 0s sends every attempt at once";
			if (delay == null) {
				add(property, null, REQUIRED, "set the time between attempts, " + example);
			}
			else if (notNegative(property, delay, example)) {
				heldByGrpcJava(property, delay, "set a shorter delay, " + example);
			}
		}

		private void checkRetryThrottling(String throttling, RetryThrottlingProperties properties) {
			Integer maxTokens = checkMaxTokens(throttling + ".max-tokens", properties.maxTokens());
			String property = throttling + ".token-ratio";
			Double tokenRatio = properties.tokenRatio();
			if (tokenRatio == null || !(tokenRatio > 0) || tokenRatio.isInfinite()) {
				add(property, tokenRatio, (tokenRatio == null) ? REQUIRED : "must be greater than 0 and finite",
						"set the tokens a success gives back, such as 0.1");
				return;
			}
			// While max-tokens is invalid, the largest bucket A6 allows still shows a ratio that overflows.
			int bucket = (maxTokens != null) ? maxTokens
					: (int) (GrpcJavaLimits.MAX_TOKENS_LIMIT * GrpcJavaLimits.THROTTLE_SCALE);
			BigDecimal largest = BigDecimal.valueOf(GrpcJavaLimits.largestTokenRatioThousandths(bucket), 3);
			if (decimal(tokenRatio).compareTo(largest) > 0) {
				String bucketSize = BigDecimal.valueOf(bucket, 3).stripTrailingZeros().toPlainString();
				add(property, tokenRatio,
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
				add(property, maxTokens,
						(maxTokens == null) ? REQUIRED : "must be greater than 0 and at most 1000 (gRFC A6)",
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
				add(property, maxTokens,
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
			add(property, value,
					"would be " + GrpcJavaLimits.throttleValueUsed(value).toPlainString() + " in grpc-java, which"
							+ " keeps retry-throttling values as whole thousandths computed in float precision and"
							+ " drops the rest without a word",
					fix);
		}

		private void checkShutdownGracePeriod(String property, Duration gracePeriod) {
			String example = "set 0s to cancel calls in flight at once, or a longer time to let them finish";
			if (notNegative(property, gracePeriod, example)) {
				heldByGrpcJava(property, gracePeriod, "set a shorter grace period, such as 30s");
			}
		}

		private void checkKeepAliveTime(String property, @Nullable Duration time) {
			if (time != null && notRaised(property, time, GrpcJavaLimits.SHORTEST_KEEP_ALIVE_TIME, "10s",
					"keep-alive time", "set 10s or more, such as 30s, or remove it for no pings")) {
				heldByGrpcJava(property, time, "set a shorter time, such as 30s, or remove it for no pings");
			}
		}

		private void checkKeepAliveTimeout(String property, @Nullable Duration timeout) {
			if (timeout != null && notRaised(property, timeout, GrpcJavaLimits.SHORTEST_KEEP_ALIVE_TIMEOUT, "10ms",
					"keep-alive timeout", "set 10ms or more, such as 20s (grpc-java's default), or remove it")) {
				heldByGrpcJava(property, timeout, "set a shorter timeout, such as 20s (grpc-java's default)");
			}
		}

		private void checkIdleTimeout(String property, @Nullable Duration idleTimeout) {
			if (idleTimeout == null || !notRaised(property, idleTimeout, GrpcJavaLimits.SHORTEST_IDLE_TIMEOUT, "1s",
					"idle timeout", "set 1s or more, such as 30m (grpc-java's default), or remove it")) {
				return;
			}
			if (idleTimeout.compareTo(GrpcJavaLimits.IDLE_MODE_OFF_FROM) < 0
					&& idleTimeout.getNano() % 1_000_000 != 0) {
				add(property, idleTimeout, "has a fraction of a millisecond, which grpc-java drops: it keeps idle"
						+ " timeouts in whole milliseconds", "round it to whole milliseconds, such as 1500ms");
			}
			else {
				heldByGrpcJava(property, idleTimeout,
						"set a shorter timeout; 30d or more already keeps the channel out of idle mode");
			}
		}

		/**
		 * Rejects a duration below a minimum that grpc-java would raise it to without a word.
		 * @return whether the duration is at least the minimum
		 */
		private boolean notRaised(String property, Duration duration, Duration minimum, String minimumText,
				String what, String fix) {
			if (duration.compareTo(minimum) >= 0) {
				return true;
			}
			add(property, duration, "must be at least " + minimumText + ": grpc-java raises a shorter " + what + " to "
					+ minimumText + " without a word", fix);
			return false;
		}

		private void maxAttempts(String property, @Nullable Integer maxAttempts, String verb) {
			if (maxAttempts == null || maxAttempts < 2) {
				add(property, maxAttempts,
						(maxAttempts == null) ? REQUIRED
								: "must be at least 2: the first attempt plus at least one " + verb,
						"set it to 2 or more (the first attempt included)");
			}
		}

		private boolean positive(String property, Duration duration, String example) {
			if (duration.isNegative() || duration.isZero()) {
				add(property, duration, "must be greater than 0", "set a positive duration, " + example);
				return false;
			}
			return true;
		}

		private boolean notNegative(String property, Duration duration, String example) {
			if (duration.isNegative()) {
				add(property, duration, "must not be negative", "set 0s or more, " + example);
				return false;
			}
			return true;
		}

		private boolean heldByGrpcJava(String property, Duration duration, String fix) {
			if (duration.compareTo(GrpcJavaLimits.LONGEST_DURATION) > 0) {
				add(property, duration, TOO_LONG, fix);
				return false;
			}
			return true;
		}

		private void positive(String property, @Nullable DataSize size, String meaning) {
			if (size != null && size.toBytes() <= 0) {
				add(property, size, "must be greater than 0 bytes", "set a positive size; it is " + meaning);
			}
		}

		private void messageSize(String property, @Nullable DataSize size) {
			if (size != null && (size.isNegative() || size.toBytes() > Integer.MAX_VALUE)) {
				add(property, size, "must be between 0 and 2147483647 bytes (2GB - 1B)",
						"set a size such as 4MB, or remove it for grpc-java's default");
			}
		}

		private void metadataSize(String property, @Nullable DataSize size) {
			// grpc-java's builders refuse 0 (checkArgument(bytes > 0)) and take an int.
			if (size != null && (size.toBytes() <= 0 || size.toBytes() > Integer.MAX_VALUE)) {
				add(property, size, "must be between 1 and 2147483647 bytes (2GB - 1B)",
						"set a size such as 16KB, or remove it for grpc-java's default of 8KB");
			}
		}

		private void add(String property, @Nullable Object value, String problem, String fix) {
			this.violations.add(Violation.of(property, value, problem, fix));
		}

	}

	private static BigDecimal decimal(double value) {
		return BigDecimal.valueOf(value).stripTrailingZeros();
	}

}
