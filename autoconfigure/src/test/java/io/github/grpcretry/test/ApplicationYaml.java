package io.github.grpcretry.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;

/**
 * The application's {@code application.yml}, below every other source as Spring Boot loads it, so that a failure
 * report names its origin as a user's would.
 */
public final class ApplicationYaml {

	private ApplicationYaml() {
	}

	/**
	 * An initializer that adds the YAML as the application's {@code application.yml}.
	 * @param yaml the file's content
	 * @return the initializer
	 */
	public static ApplicationContextInitializer<ConfigurableApplicationContext> of(String yaml) {
		return (context) -> propertySources(yaml).forEach(context.getEnvironment().getPropertySources()::addLast);
	}

	/**
	 * The YAML as Spring Boot loads an {@code application.yml}: one property source per document.
	 * @param yaml the file's content
	 * @return the property sources
	 */
	public static List<PropertySource<?>> propertySources(String yaml) {
		ByteArrayResource resource = new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8), "application.yml");
		try {
			return new YamlPropertySourceLoader().load("application.yml", resource);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
