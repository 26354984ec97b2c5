package io.github.grpcretry.test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties as a user writes them, changed one at a time from a valid configuration.
 */
public final class UserProperties {

	private final Map<String, String> properties = new LinkedHashMap<>();

	/**
	 * Sets a property.
	 * @param name its name
	 * @param value its value
	 * @return these properties
	 */
	public UserProperties with(String name, String value) {
		this.properties.put(name, value);
		return this;
	}

	/**
	 * Removes a property that is set.
	 * @param name its name
	 * @return these properties
	 */
	public UserProperties without(String name) {
		assertThat(this.properties.remove(name)).as("property %s to remove", name).isNotNull();
		return this;
	}

	/**
	 * The properties as a map, for a property source.
	 * @return a copy of the properties
	 */
	public Map<String, Object> asMap() {
		return new LinkedHashMap<>(this.properties);
	}

	/**
	 * The properties as {@code name=value} pairs, for a context runner.
	 * @return the pairs
	 */
	public String[] pairs() {
		List<String> pairs = new ArrayList<>();
		this.properties.forEach((name, value) -> pairs.add(name + "=" + value));
		return pairs.toArray(String[]::new);
	}

}
