package io.github.grpcretry.internal.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.github.grpcretry.internal.properties.ClientNames;
import io.github.grpcretry.internal.properties.ClientNames.Spelling;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.validation.InvalidGrpcClientPropertiesException;
import io.github.grpcretry.validation.Violation;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.Environment;

/**
 * Runs every check on the bound client properties at start-up, a client name written in two ways and a value that
 * could not be bound ({@link ClientBindFailures}) included, and fails with all violations at once, each with the value
 * as written and where it was written.
 */
public final class GrpcClientPropertiesVerifier {

	private GrpcClientPropertiesVerifier() {
	}

	/**
	 * Verifies the client properties.
	 * @param properties the bound properties
	 * @param bindFailures the values that could not be bound, which {@code properties} holds as missing
	 * @param environment the environment they were bound from
	 * @param sslBundleExists tells whether an SSL bundle of the given name is registered
	 * @param classLoader the application's class loader, whose generated gRPC services the names are checked against
	 * @throws InvalidGrpcClientPropertiesException if any property breaks a rule
	 */
	public static void verify(GrpcClientsProperties properties, List<Violation> bindFailures, Environment environment,
			Predicate<String> sslBundleExists, ClassLoader classLoader) {
		verify(properties, bindFailures, environment, new GrpcClientPropertiesValidator(sslBundleExists, classLoader));
	}

	// With the validator of a given grpc-java, for the rules that depend on its version.
	static void verify(GrpcClientsProperties properties, List<Violation> bindFailures, Environment environment,
			GrpcClientPropertiesValidator validator) {
		Iterable<ConfigurationPropertySource> sources = ConfigurationPropertySources.get(environment);
		List<Violation> violations = new ArrayList<>(UnknownClientProperties.find(sources));
		for (List<Spelling> spellings : ClientNames.of(sources).conflicts()) {
			spellings.forEach((spelling) -> violations.add(spelledTwice(spelling, spellings)));
		}
		violations.addAll(bindFailures);
		List<String> unbound = bindFailures.stream().map(Violation::property).toList();
		violations.addAll(HiddenMethodConfigNames.find(properties, sources));
		for (Violation violation : validator.validate(properties)) {
			// A value that could not be bound is missing to the rules: "is required" would say so a second time.
			if (unbound.stream()
				.noneMatch((property) -> property.equals(violation.property())
						|| isElementOf(property, violation.property()))) {
				violations.add(withOrigin(violation, sources));
			}
		}
		if (!violations.isEmpty()) {
			throw new InvalidGrpcClientPropertiesException(violations);
		}
	}

	/**
	 * Fails start-up with the given violations, if there are any, each with the value as written and where it was
	 * written: how a property tree that is not the starter's own, Spring Boot 4.1's
	 * {@code spring.grpc.client.channel}, is reported the same way.
	 * @param violations the violations found
	 * @param environment the environment the properties were bound from
	 * @throws InvalidGrpcClientPropertiesException if there is any violation
	 */
	public static void failOn(List<Violation> violations, Environment environment) {
		if (violations.isEmpty()) {
			return;
		}
		Iterable<ConfigurationPropertySource> sources = ConfigurationPropertySources.get(environment);
		throw new InvalidGrpcClientPropertiesException(
				violations.stream().map((violation) -> withOrigin(violation, sources)).toList());
	}

	// grpc.clients.echo.method-config[0].retry-policy.retryable-status-codes[1] is an element of the list's property.
	private static boolean isElementOf(String element, String list) {
		return element.startsWith(list + "[") && element.indexOf('.', list.length()) < 0;
	}

	private static Violation spelledTwice(Spelling spelling, List<Spelling> spellings) {
		Stream<Spelling> thisFirst = Stream.concat(Stream.of(spelling),
				spellings.stream().filter((other) -> other != spelling));
		String clients = thisFirst.map((other) -> GrpcClientsProperties.CLIENTS + "." + other.name())
			.collect(Collectors.joining(" and "));
		String names = spellings.stream().map((other) -> "'" + other.name() + "'").collect(Collectors.joining(" or "));
		return Violation.writtenIn(spelling.propertyPath(), spelling.property(),
				clients + " are one client to Spring Boot's relaxed binding, which would merge their properties silently",
				"write the client's name one way in every property: " + names);
	}

	private static Violation withOrigin(Violation violation, Iterable<ConfigurationPropertySource> sources) {
		ConfigurationPropertyName name = ConfigurationPropertyName.ofIfValid(violation.property());
		// A missing value has no origin; a lower source may hold one that a replaced list hid from binding.
		if (name == null || violation.value() == null) {
			return violation;
		}
		for (ConfigurationPropertySource source : sources) {
			ConfigurationProperty property = source.getConfigurationProperty(name);
			if (property != null) {
				Object value = property.getValue();
				return violation.writtenAs((value != null) ? value.toString() : null,
						(property.getOrigin() != null) ? property.getOrigin().toString() : null);
			}
		}
		return violation;
	}

}
