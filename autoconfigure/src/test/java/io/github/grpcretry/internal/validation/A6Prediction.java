package io.github.grpcretry.internal.validation;

import java.math.BigDecimal;
import java.util.List;

import io.github.grpcretry.internal.validation.RandomClientConfiguration.Entry;
import io.github.grpcretry.internal.validation.RandomClientConfiguration.Name;
import io.github.grpcretry.internal.validation.RandomClientConfiguration.Policy;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * What gRFC A6 says the calls of one client do against a server that answers every attempt at once, computed on the
 * exact decimal values the user wrote, not on what the starter or grpc-java made of them. The most specific entry
 * governs a method (method, then service, then the entry without name); a retry follows a failure with a retryable
 * code, a further hedge a failure with a non-fatal code, up to {@code max-attempts}; with retry throttling, each
 * such failure takes one token (never below 0) and ends the call unless more than half of {@code max-tokens} is
 * left, and each successful call gives {@code token-ratio} back, never beyond {@code max-tokens}. The server answers
 * every attempt before any backoff or hedging delay ends (the test runs those only once no attempt is in flight), so
 * hedged attempts never overlap, and a hedged call whose first answer is fatal makes one attempt, whatever its
 * hedging delay.
 */
final class A6Prediction {

	private final List<Entry> entries;

	private final @Nullable BigDecimal maxTokens;

	private final @Nullable BigDecimal tokenRatio;

	private @Nullable BigDecimal tokens;

	A6Prediction(RandomClientConfiguration configuration) {
		this.entries = configuration.entries();
		this.maxTokens = (configuration.maxTokens() != null) ? new BigDecimal(configuration.maxTokens()) : null;
		this.tokenRatio = (configuration.tokenRatio() != null) ? new BigDecimal(configuration.tokenRatio()) : null;
		this.tokens = this.maxTokens;
	}

	/**
	 * Predicts a call that every attempt of fails with the given code, and counts its failures against the tokens.
	 * @param method the method's name in {@link RandomClientConfiguration#SERVICE}
	 * @param code the code of every answer
	 * @return the attempts the call makes
	 */
	long failingCall(String method, Status.Code code) {
		Policy policy = governing(method);
		if (policy == null) {
			return 1;
		}
		long maxAttempts = Long.parseLong(policy.maxAttempts());
		// Retryable (retry) or non-fatal (hedging): the only failures that may be followed by another attempt.
		if (!policy.codes().contains(code)) {
			return 1;
		}
		if (this.tokens == null) {
			return maxAttempts;
		}
		// Each failure takes a token, and the call goes on while more than half of max-tokens is left.
		BigDecimal half = this.maxTokens.divide(BigDecimal.valueOf(2));
		long attempts = 1;
		while (true) {
			this.tokens = this.tokens.subtract(BigDecimal.ONE).max(BigDecimal.ZERO);
			if (this.tokens.compareTo(half) <= 0 || attempts >= maxAttempts) {
				return attempts;
			}
			attempts++;
		}
	}

	/**
	 * Counts a successful call: one attempt, and {@code token-ratio} back.
	 */
	void successfulCall() {
		if (this.tokens != null) {
			this.tokens = this.tokens.add(this.tokenRatio).min(this.maxTokens);
		}
	}

	/**
	 * How many successful calls bring the token count closest above a count at which one more attempt would be
	 * made: a token ratio that grpc-java kept any smaller would show in the attempts of the next failing call.
	 * @param limit the most successes to consider
	 * @return the number of successes, 0 without retry throttling
	 */
	int successesJustAboveAThreshold(int limit) {
		if (this.tokens == null) {
			return 0;
		}
		BigDecimal half = this.maxTokens.divide(BigDecimal.valueOf(2));
		BigDecimal count = this.tokens;
		BigDecimal closest = null;
		int successes = 0;
		for (int k = 1; k <= limit; k++) {
			count = count.add(this.tokenRatio);
			if (count.compareTo(this.maxTokens) >= 0) {
				break;
			}
			BigDecimal aboveHalf = count.subtract(half);
			BigDecimal fraction = aboveHalf.subtract(new BigDecimal(aboveHalf.toBigInteger()));
			boolean closer = (closest == null || fraction.compareTo(closest) < 0);
			if (aboveHalf.signum() > 0 && fraction.signum() > 0 && closer) {
				closest = fraction;
				successes = k;
			}
		}
		return successes;
	}

	/**
	 * The token count now.
	 * @return the tokens, or {@code null} without retry throttling
	 */
	@Nullable BigDecimal tokens() {
		return this.tokens;
	}

	private @Nullable Policy governing(String method) {
		Entry byMethod = null;
		Entry byService = null;
		Entry byDefault = null;
		for (Entry entry : this.entries) {
			if (entry.names().isEmpty()) {
				byDefault = entry;
			}
			for (Name name : entry.names()) {
				if (name.namesMethod(method)) {
					byMethod = entry;
				}
				else if (name.namesEveryMethodOfTheService()) {
					byService = entry;
				}
			}
		}
		Entry governing = (byMethod != null) ? byMethod : (byService != null) ? byService : byDefault;
		return (governing != null) ? governing.policy() : null;
	}

}
