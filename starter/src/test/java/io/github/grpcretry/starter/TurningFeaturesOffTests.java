package io.github.grpcretry.starter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reference's table of what turns each feature off ({@code docs/configuration.md}, "Turning features off") held
 * to the starter as an application has it, with every auto-configuration and the actuator, on each Spring Boot line
 * (Boot 3.5's health contributor comes from another module than Boot 4's): the table lists every key, and each key,
 * set to the value the table gives, removes the beans the table names and no other feature's.
 */
class TurningFeaturesOffTests {

	private static final Path REFERENCE = Path.of("../docs/configuration.md");

	private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| `([^`]+)` \\| `([^`]+)` \\| (.+) \\|$");

	// Each key of the table, and the starter's beans that turning it off removes.
	private static final Map<String, List<String>> REMOVES = Map.of("grpc.client.metrics.enabled",
			List.of("grpcServiceConfigChangeMeters"), "grpc.client.observation.enabled",
			List.of("grpcCallObservationCustomizer"), "grpc.client.refresh.enabled",
			List.of("grpcClientsEnvironmentChangeListener"), "management.health.grpcclients.enabled",
			List.of("grpcClientsHealthContributor"), "management.endpoint.grpcclients.access",
			List.of("grpcClientsEndpoint", "grpcClientsEndpointWebExtension"));

	// The Environment's converters as SpringApplication sets them, which read access values in kebab case (none).
	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withInitializer((context) -> context.getEnvironment()
			.setConversionService(new ApplicationConversionService()))
		.withUserConfiguration(Application.class)
		.withPropertyValues("grpc.clients.echo.address=127.0.0.1:1", "grpc.clients.echo.negotiation-type=plaintext",
				"management.endpoints.web.exposure.include=grpcclients");

	@Test
	void theTableListsEveryKeyThatTurnsAFeatureOff() throws IOException {
		assertThat(table().keySet()).containsExactlyInAnyOrderElementsOf(REMOVES.keySet());
	}

	@Test
	void everyFeatureIsOnByDefault() {
		this.contextRunner.run((context) -> REMOVES.values()
			.forEach((beans) -> beans.forEach((bean) -> assertThat(context).hasBean(bean))));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("keys")
	void eachKeySetAsTheTableSaysRemovesTheBeansItNamesAndNoOther(String key) throws IOException {
		Row row = table().get(key);
		assertThat(row.removes()).as("what the table says %s removes", key)
			.contains(REMOVES.get(key).stream().map((bean) -> "`" + bean + "`").toList());
		this.contextRunner.withPropertyValues(key + "=" + row.setTo()).run((context) -> {
			assertThat(context).hasNotFailed();
			REMOVES.forEach((other, beans) -> beans.forEach((bean) -> {
				if (other.equals(key)) {
					assertThat(context).doesNotHaveBean(bean);
				}
				else {
					assertThat(context).hasBean(bean);
				}
			}));
		});
	}

	static Stream<String> keys() {
		return REMOVES.keySet().stream().sorted();
	}

	// The rows of the table: each key with the value that turns its feature off and what that removes.
	private static Map<String, Row> table() throws IOException {
		String reference = Files.readString(REFERENCE);
		String section = reference.substring(reference.indexOf("\n## Turning features off"));
		Map<String, Row> rows = new LinkedHashMap<>();
		for (String line : section.substring(section.indexOf("\n| property or key |")).lines().skip(3).toList()) {
			Matcher row = ROW.matcher(line);
			if (!row.matches()) {
				break;
			}
			rows.put(row.group(1), new Row(row.group(3), row.group(4)));
		}
		return rows;
	}

	private record Row(String setTo, String removes) {
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class Application {

	}

}
