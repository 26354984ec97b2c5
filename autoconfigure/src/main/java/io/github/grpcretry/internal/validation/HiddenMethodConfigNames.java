package io.github.grpcretry.internal.validation;

import java.util.ArrayList;
import java.util.List;

import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.validation.Violation;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.core.env.PropertySource;

/**
 * Finds method-config entries that have no name only because another property source overrides one of their
 * fields: Spring Boot binds a client's whole {@code method-config} list from the first source that sets any of it, so
 * {@code method-config[0].timeout} on the command line drops the {@code name} that {@code application.yml} gives the
 * same entry. Left alone, such an entry would be taken for the client's default and govern every method, without
 * the policy the user wrote for it. An entry meant as the default in the overriding source says so with
 * {@code name: []}.
 */
public final class HiddenMethodConfigNames {

	private HiddenMethodConfigNames() {
	}

	/**
	 * Reports every entry without names whose names another property source sets.
	 * @param properties the bound properties
	 * @param sources the application's configuration property sources, most important first
	 * @return a violation per such entry, empty when there is none
	 */
	public static List<Violation> find(GrpcClientsProperties properties,
			Iterable<ConfigurationPropertySource> sources) {
		List<Violation> violations = new ArrayList<>();
		properties.clients().forEach((clientName, client) -> find(clientName, client, sources, violations));
		return violations;
	}

	private static void find(String clientName, ClientProperties client, Iterable<ConfigurationPropertySource> sources,
			List<Violation> violations) {
		String path = GrpcClientsProperties.CLIENTS + "." + clientName + ".method-config";
		ConfigurationPropertyName list = ConfigurationPropertyName.ofIfValid(path);
		if (list == null) {
			return;
		}
		for (int i = 0; i < client.methodConfig().size(); i++) {
			if (!client.methodConfig().get(i).name().isEmpty()) {
				continue;
			}
			String property = path + "[" + i + "].name";
			String namingSource = hidingSource(sources, list, ConfigurationPropertyName.of(property));
			if (namingSource != null) {
				violations.add(Violation.of(property, null,
						"is not set in the property source that the method-config list is bound from, so this entry"
								+ " would govern every method no other entry names; but " + namingSource
								+ " names the calls of this entry, and Spring Boot binds the whole list from one"
								+ " source only",
						"set the entry's name in the same property source as its other fields (or set the whole"
								+ " method-config list in one source); if the entry is meant as the client's default,"
								+ " write name: [] there"));
			}
		}
	}

	// Spring Boot binds the list from the first source that has any of it; a later one that names the entry is hidden.
	private static @Nullable String hidingSource(Iterable<ConfigurationPropertySource> sources,
			ConfigurationPropertyName list, ConfigurationPropertyName name) {
		boolean bound = false;
		for (ConfigurationPropertySource source : sources) {
			if (!bound) {
				if (source.containsDescendantOf(list) == ConfigurationPropertyState.PRESENT) {
					bound = true;
					if (source.getConfigurationProperty(name) != null
							|| source.containsDescendantOf(name) == ConfigurationPropertyState.PRESENT) {
						return null;
					}
				}
			}
			else if (source.containsDescendantOf(name) == ConfigurationPropertyState.PRESENT) {
				return (source.getUnderlyingSource() instanceof PropertySource<?> propertySource)
						? "property source '" + propertySource.getName() + "'" : "another property source";
			}
		}
		return null;
	}

}
