package io.github.grpcretry.properties;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an IDE reads about the starter's keys, the configuration metadata the build puts in the jar: descriptions in
 * plain text, no Javadoc markup, and the client map typed with its value class, which is how IDEs complete the keys
 * of {@code grpc.clients.<name>.*}, as they do for Spring Boot's own maps of objects
 * ({@code spring.security.oauth2.client.registration}, {@code spring.ssl.bundle.pem}).
 */
class ConfigurationMetadataTests {

	@Test
	void everyDescriptionIsPlainText() throws IOException {
		List<Map<String, Object>> properties = JsonPath.read(metadata(), "$.properties");
		assertThat(properties).isNotEmpty();
		for (Map<String, Object> property : properties) {
			assertThat((String) property.get("description")).as("description of %s", property.get("name"))
				.isNotBlank()
				.doesNotContain("{@")
				.doesNotContainPattern("</?[a-z]+>");
		}
	}

	@Test
	void theClientMapNamesItsValueClassAndNothingElseClaimsItsKeys() throws IOException {
		String metadata = metadata();
		List<String> types = JsonPath.read(metadata, "$.properties[?(@.name == 'grpc.clients')].type");
		assertThat(types).containsExactly("java.util.Map<java.lang.String,io.github.grpcretry.properties.ClientProperties>");
		List<String> names = JsonPath.read(metadata, "$.properties[*].name");
		assertThat(names).filteredOn((name) -> name.startsWith("grpc.")).containsExactly("grpc.clients");
		List<String> hints = JsonPath.read(metadata, "$.hints[*].name");
		assertThat(hints).contains("grpc.clients.keys");
	}

	// The main classes' file, which goes into the jar (the test classes have one of their own).
	private static String metadata() throws IOException {
		Path metadata = Path.of("target/classes/META-INF/spring-configuration-metadata.json");
		assertThat(metadata).as("the configuration metadata the build generates").exists();
		return Files.readString(metadata);
	}

}
