package io.github.grpcretry.test;

import java.util.List;
import java.util.regex.Pattern;

import io.github.grpcretry.validation.InvalidGrpcClientPropertiesException;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a start-up failed with, and what Spring Boot's failure report says of it, as a user reads it.
 */
public final class StartupFailures {

	private StartupFailures() {
	}

	/**
	 * The invalid-properties exception among the failure's causes.
	 * @param failure the start-up failure
	 * @return the exception
	 */
	public static InvalidGrpcClientPropertiesException invalidProperties(Throwable failure) {
		for (Throwable candidate = failure; candidate != null; candidate = candidate.getCause()) {
			if (candidate instanceof InvalidGrpcClientPropertiesException invalid) {
				return invalid;
			}
		}
		throw new AssertionError("Start-up failed, but not with InvalidGrpcClientPropertiesException", failure);
	}

	/**
	 * What Spring Boot's failure report says of a start-up failure: the analysis of the first failure analyzer
	 * of the starter registered in {@code META-INF/spring.factories} that knows the failure, found there as
	 * Spring Boot finds it.
	 * @param failure the start-up failure
	 * @return the analysis
	 */
	public static FailureAnalysis analysis(Throwable failure) {
		// Spring Boot's own analyzers take constructor arguments that only its failure report hands them: the
		// starter's take none, and are the ones asked here.
		List<FailureAnalyzer> analyzers = SpringFactoriesLoader
			.forDefaultResourceLocation(StartupFailures.class.getClassLoader())
			.load(FailureAnalyzer.class, null, FailureHandler.handleMessage((message, ex) -> {
			}));
		for (FailureAnalyzer analyzer : analyzers) {
			if (!analyzer.getClass().getName().startsWith("io.github.grpcretry.")) {
				continue;
			}
			FailureAnalysis analysis = analyzer.analyze(failure);
			if (analysis != null) {
				return analysis;
			}
		}
		throw new AssertionError("No failure analyzer knows the start-up failure", failure);
	}

	/**
	 * Asserts that start-up failed on exactly one property, and that the failure report names it, its value and how
	 * to fix it.
	 * @param failure the start-up failure
	 * @param property the property's full path
	 * @param value the value as written, or {@code null} when it is missing
	 */
	public static void assertOnlyViolation(Throwable failure, String property, @Nullable String value) {
		assertThat(invalidProperties(failure).getViolations()).singleElement()
			.satisfies((violation) -> assertThat(violation.property()).isEqualTo(property))
			.satisfies((violation) -> assertThat(violation.value()).isEqualTo(value));
		FailureAnalysis analysis = analysis(failure);
		assertThat(analysis.getDescription()).contains("has 1 problem, so no channel was built")
			.containsPattern(Pattern.quote("Property: " + property) + "\\s+Value:\\s+"
					+ Pattern.quote((value != null) ? "\"" + value + "\"" : "(not set)"));
		assertThat(analysis.getAction()).contains(property + ": ");
	}

}
