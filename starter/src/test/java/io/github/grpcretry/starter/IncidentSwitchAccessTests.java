package io.github.grpcretry.starter;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static io.github.grpcretry.starter.WebApplications.get;
import static io.github.grpcretry.starter.WebApplications.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every key that grants the incident switch, over HTTP, on each Spring Boot line (3.5, 4.0 and 4.1 map the keys
 * alike): the {@code access} keys grant it; the deprecated {@code enabled} keys, which Boot still maps to
 * unrestricted access, leave the endpoint readable and the switch refused with a 403 naming the key to set;
 * {@code access.max-permitted} caps it as Boot caps every endpoint. The server counts each call's attempts: 4 while
 * the retries run, 1 once they are off.
 */
@ExtendWith(OutputCaptureExtension.class)
class IncidentSwitchAccessTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	private static final String OFF = "{\"retries\":\"off\"}";

	private static final String WARNING = "grants the grpcclients endpoint unrestricted access in Spring Boot, but"
			+ " its incident switch takes writes from the access keys only";

	private static final Pattern DOCUMENTED_REFUSAL = Pattern
		.compile("\\*\\*Who may switch\\.\\*\\*.*?```json\\n(.*?)```", Pattern.DOTALL);

	@RegisterExtension
	final UnavailableBackend backend = new UnavailableBackend();

	@Test
	void withNoKeyTheEndpointIsReadOnlyAndBootMapsNoWrite(CapturedOutput output) throws Exception {
		try (ConfigurableApplicationContext context = start()) {
			assertThat(get(context, "/actuator/grpcclients/echo").statusCode()).isEqualTo(200);
			assertThat(post(context, "/actuator/grpcclients/echo", OFF).statusCode()).isEqualTo(405);
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);
			assertThat(output).doesNotContain(WARNING);
		}
	}

	@Test
	void theEndpointsLegacyEnabledKeyLeavesItReadableAndTheSwitchRefused(CapturedOutput output) throws Exception {
		try (ConfigurableApplicationContext context = start("management.endpoint.grpcclients.enabled=true")) {
			assertThat(get(context, "/actuator/grpcclients/echo").statusCode()).isEqualTo(200);
			HttpResponse<String> refused = post(context, "/actuator/grpcclients/echo", OFF);
			assertThat(refused.statusCode()).isEqualTo(403);
			assertThat((String) JsonPath.read(refused.body(), "$.error")).isEqualTo("the incident switch is refused:"
					+ " management.endpoint.grpcclients.enabled=true grants it no writes; set"
					+ " management.endpoint.grpcclients.access=unrestricted in place of"
					+ " management.endpoint.grpcclients.enabled");
			// The reference shows this very answer.
			Matcher documented = DOCUMENTED_REFUSAL.matcher(Files.readString(Path.of("../docs/operating.md")));
			assertThat(documented.find()).as("the reference's example of the refusal").isTrue();
			assertThat((Object) JsonPath.parse(refused.body()).json())
				.isEqualTo(JsonPath.parse(documented.group(1)).json());
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);
			assertThat(output).containsOnlyOnce("management.endpoint.grpcclients.enabled=true " + WARNING);
		}
	}

	@Test
	void theLegacyEnabledByDefaultKeyLeavesTheSwitchRefused(CapturedOutput output) throws Exception {
		try (ConfigurableApplicationContext context = start("management.endpoints.enabled-by-default=true")) {
			assertThat(get(context, "/actuator/grpcclients/echo").statusCode()).isEqualTo(200);
			HttpResponse<String> refused = post(context, "/actuator/grpcclients/echo", OFF);
			assertThat(refused.statusCode()).isEqualTo(403);
			assertThat((String) JsonPath.read(refused.body(), "$.error")).isEqualTo("the incident switch is refused:"
					+ " management.endpoints.enabled-by-default=true grants it no writes; set"
					+ " management.endpoint.grpcclients.access=unrestricted, or"
					+ " management.endpoints.access.default=unrestricted in place of"
					+ " management.endpoints.enabled-by-default");
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);
			assertThat(output).containsOnlyOnce("management.endpoints.enabled-by-default=true " + WARNING);
		}
	}

	@Test
	void theEndpointsAccessKeyGrantsTheSwitch(CapturedOutput output) throws Exception {
		try (ConfigurableApplicationContext context = start("management.endpoint.grpcclients.access=unrestricted")) {
			assertSwitchedOff(context);
			assertThat(output).doesNotContain(WARNING);
		}
	}

	@Test
	void theDefaultAccessKeyGrantsTheSwitch(CapturedOutput output) throws Exception {
		try (ConfigurableApplicationContext context = start("management.endpoints.access.default=unrestricted")) {
			assertSwitchedOff(context);
			assertThat(output).doesNotContain(WARNING);
		}
	}

	@Test
	void theEndpointsAccessKeyBesideTheLegacyDefaultGrantsTheSwitch(CapturedOutput output) throws Exception {
		try (ConfigurableApplicationContext context = start("management.endpoints.enabled-by-default=true",
				"management.endpoint.grpcclients.access=unrestricted")) {
			assertSwitchedOff(context);
			assertThat(output).doesNotContain(WARNING);
		}
	}

	@Test
	void maxPermittedReadOnlyCapsTheGrantAsSpringBootCapsEveryEndpoint(CapturedOutput output) throws Exception {
		try (ConfigurableApplicationContext context = start("management.endpoint.grpcclients.access=unrestricted",
				"management.endpoints.access.max-permitted=read-only")) {
			assertThat(get(context, "/actuator/grpcclients/echo").statusCode()).isEqualTo(200);
			// Boot maps no write operation for a read-only endpoint: its own answer, before the switch is reached.
			assertThat(post(context, "/actuator/grpcclients/echo", OFF).statusCode()).isEqualTo(405);
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);
			assertThat(output).doesNotContain(WARNING);
		}
	}

	@Test
	void theEndpointsLegacyEnabledKeyFalseTurnsTheEndpointOff() throws Exception {
		try (ConfigurableApplicationContext context = start("management.endpoint.grpcclients.enabled=false")) {
			assertThat(get(context, "/actuator/grpcclients/echo").statusCode()).isEqualTo(404);
			assertThat(post(context, "/actuator/grpcclients/echo", OFF).statusCode()).isEqualTo(404);
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);
		}
	}

	private void assertSwitchedOff(ConfigurableApplicationContext context) throws Exception {
		assertThat(attemptsOfOneCall(context)).isEqualTo(4);
		HttpResponse<String> off = post(context, "/actuator/grpcclients/echo", OFF);
		assertThat(off.statusCode()).isEqualTo(200);
		assertThat((String) JsonPath.read(off.body(), "$.retries")).isEqualTo("off");
		assertThat(attemptsOfOneCall(context)).isEqualTo(1);
	}

	private int attemptsOfOneCall(ConfigurableApplicationContext context) {
		return this.backend.attemptsOfOneFailingCall(context);
	}

	private ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(Application.class).web(WebApplicationType.SERVLET)
			.properties("server.port=0", "management.endpoints.web.exposure.include=grpcclients",
					"grpc.clients.echo.address=" + this.backend.address(),
					"grpc.clients.echo.negotiation-type=plaintext", ENTRY_0 + "name[0].service=echo.Echo",
					ENTRY_0 + "retry-policy.max-attempts=4", ENTRY_0 + "retry-policy.initial-backoff=5ms",
					ENTRY_0 + "retry-policy.max-backoff=5ms", ENTRY_0 + "retry-policy.backoff-multiplier=1",
					ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE")
			.properties(properties)
			.run();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

	}

}
