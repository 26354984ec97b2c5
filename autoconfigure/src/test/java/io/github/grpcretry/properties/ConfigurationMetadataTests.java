package io.github.grpcretry.properties;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an IDE reads about the starter's keys, the configuration metadata the build puts in the jar: descriptions in
 * plain text, no Javadoc markup, and the client map typed with its value class, which is how IDEs complete the keys
 * of {@code grpc.clients.<name>.*}, as they do for Spring Boot's own maps of objects
 * ({@code spring.security.oauth2.client.registration}, {@code spring.ssl.bundle.pem}); and every key with a fixed
 * set of values typed as an enum, which IDEs complete from its constants: no hint can reach a key inside a map's values.
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
		assertThat(names).filteredOn((name) -> name.startsWith("grpc.clients")).containsExactly("grpc.clients");
		// Beside it, only the switches that turn a feature off, each a boolean on by default.
		assertThat(names).filteredOn((name) -> name.startsWith("grpc.") && !name.equals("grpc.clients"))
			.containsExactlyInAnyOrder("grpc.client.metrics.enabled", "grpc.client.observation.enabled",
					"grpc.client.refresh.enabled");
		List<Boolean> defaults = JsonPath.read(metadata, "$.properties[?(@.name =~ /grpc\\.client\\..*/)].defaultValue");
		assertThat(defaults).hasSize(3).containsOnly(true);
		List<String> hints = JsonPath.read(metadata, "$.hints[*].name");
		assertThat(hints).contains("grpc.clients.keys");
	}

	@Test
	void theStatusCodeListsCompleteToEveryCodeButOk() throws Exception {
		List<String> failureCodes = Arrays.stream(Status.Code.values())
			.filter((code) -> code != Status.Code.OK)
			.map(Status.Code::name)
			.toList();
		assertThat(failureCodes).hasSize(16);
		assertThat(valuesOffered("method-config.retry-policy.retryable-status-codes"))
			.containsExactlyElementsOf(failureCodes);
		assertThat(valuesOffered("method-config.hedging-policy.non-fatal-status-codes"))
			.containsExactlyElementsOf(failureCodes);
	}

	@Test
	void theNegotiationTypeAndTheLoadBalancingPolicyCompleteToTheirValues() throws Exception {
		assertThat(valuesOffered("negotiation-type")).containsExactly("TLS", "PLAINTEXT");
		assertThat(valuesOffered("load-balancing-policy")).containsExactly("ROUND_ROBIN", "PICK_FIRST");
	}

	// What an IDE offers for a key of grpc.clients.<name>: it walks from the type the metadata gives the map, through
	// the records' components (the element of a list), to an enum, whose constants it offers.
	private static List<String> valuesOffered(String path) throws Exception {
		List<String> types = JsonPath.read(metadata(), "$.properties[?(@.name == 'grpc.clients')].type");
		String mapType = types.get(0);
		Type type = Class.forName(mapType.substring(mapType.indexOf(',') + 1, mapType.length() - 1));
		for (String key : path.split("\\.")) {
			Class<?> record = (Class<?>) type;
			type = Arrays.stream(record.getRecordComponents())
				.filter((component) -> kebab(component.getName()).equals(key))
				.findFirst()
				.orElseThrow(() -> new AssertionError(record.getSimpleName() + " has no key " + key))
				.getGenericType();
			if (type instanceof ParameterizedType list && list.getRawType() == List.class) {
				type = list.getActualTypeArguments()[0];
			}
		}
		Class<?> valueType = (Class<?>) type;
		assertThat(valueType.isEnum()).as("%s is an enum, which IDEs complete", path).isTrue();
		return Arrays.stream(valueType.getEnumConstants()).map((constant) -> ((Enum<?>) constant).name()).toList();
	}

	private static String kebab(String camel) {
		return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
	}

	// The main classes' file, which goes into the jar (the test classes have one of their own).
	private static String metadata() throws IOException {
		Path metadata = Path.of("target/classes/META-INF/spring-configuration-metadata.json");
		assertThat(metadata).as("the configuration metadata the build generates").exists();
		return Files.readString(metadata);
	}

}
