package io.github.grpcretry.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import io.github.grpcretry.properties.GrpcClientsProperties;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.Environment;

/**
 * Runs every check on the bound client properties at start-up and fails with all violations at once, each with
 * the value as written and where it was written.
 */
public final class GrpcClientPropertiesVerifier {

	private GrpcClientPropertiesVerifier() {
	}

	/**
	 * Verifies the client properties.
	 * @param properties the bound properties
	 * @param environment the environment they were bound from
	 * @param sslBundleExists tells whether an SSL bundle of the given name is registered
	 * @throws InvalidGrpcClientPropertiesException if any property breaks a rule
	 */
	public static void verify(GrpcClientsProperties properties, Environment environment,
			Predicate<String> sslBundleExists) {
		Iterable<ConfigurationPropertySource> sources = ConfigurationPropertySources.get(environment);
		List<Violation> violations = new ArrayList<>(UnknownClientProperties.find(sources));
		violations.addAll(HiddenMethodConfigNames.find(properties, sources));
		for (Violation violation : new GrpcClientPropertiesValidator(sslBundleExists).validate(properties)) {
			violations.add(withOrigin(violation, sources));
		}
		if (!violations.isEmpty()) {
			throw new InvalidGrpcClientPropertiesException(violations);
		}
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
