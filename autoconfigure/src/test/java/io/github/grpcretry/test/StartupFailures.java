package io.github.grpcretry.test;

import java.util.regex.Pattern;

import io.github.grpcretry.validation.InvalidGrpcClientPropertiesException;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.ArgumentResolver;
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
	 * registered in {@code META-INF/spring.factories} that knows the failure, as Spring Boot finds it.
	 * @param failure the start-up failure
	 * @return the analysis
	 */
	public static FailureAnalysis analysis(Throwable failure) {
		// As Spring Boot's FailureAnalyzers loads them: some of Boot's own take the bean factory or the environment,
		// and one whose classes are missing (Bean Validation's) is left out.
		ArgumentResolver arguments = ArgumentResolver.of(BeanFactory.class, new DefaultListableBeanFactory())
			.and(Environment.class, new StandardEnvironment());
		FailureHandler skipped = FailureHandler.logging(LogFactory.getLog(StartupFailures.class));
		for (FailureAnalyzer analyzer : SpringFactoriesLoader
			.forDefaultResourceLocation(StartupFailures.class.getClassLoader())
			.load(FailureAnalyzer.class, arguments, skipped)) {
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
