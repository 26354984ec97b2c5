package io.github.grpcretry.starter;

import java.net.http.HttpResponse;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static io.github.grpcretry.starter.WebApplications.get;
import static io.github.grpcretry.starter.WebApplications.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The incident switch over HTTP, as an operator uses it in a web application with the actuator, on each Spring Boot
 * line: {@code POST /actuator/grpcclients/{name}} turns a client's retries off and back on the running channel, and
 * only where the application granted write access to the endpoint.
 */
class IncidentSwitchTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	@RegisterExtension
	final UnavailableBackend backend = new UnavailableBackend();

	@Test
	void retriesGoOffForTheNextCallsAndComeBackWithWriteAccess() throws Exception {
		try (ConfigurableApplicationContext context = start("management.endpoint.grpcclients.access=unrestricted")) {
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);

			HttpResponse<String> off = post(context, "/actuator/grpcclients/echo", "{\"retries\":\"off\"}");
			assertThat(off.statusCode()).isEqualTo(200);
			assertThat((String) JsonPath.read(off.body(), "$.retries")).isEqualTo("off");
			assertThat((String) JsonPath.read(off.body(), "$.serviceConfigSource")).isEqualTo("endpoint");
			// An override on top of what the configuration says, which still says configured.
			assertThat((Boolean) JsonPath.read(off.body(), "$.retriesOverridden")).isTrue();
			assertThat((String) JsonPath.read(off.body(), "$.retriesConfigured")).isEqualTo("configured");
			assertThat(attemptsOfOneCall(context)).isEqualTo(1);
			String shown = get(context, "/actuator/grpcclients/echo").body();
			Map<String, Object> methodConfig = JsonPath.read(shown, "$.serviceConfig.methodConfig[0]");
			assertThat(methodConfig).doesNotContainKeys("retryPolicy", "hedgingPolicy").containsEntry("timeout", "10s");

			HttpResponse<String> configured = post(context, "/actuator/grpcclients/echo",
					"{\"retries\":\"configured\"}");
			assertThat(configured.statusCode()).isEqualTo(200);
			assertThat((String) JsonPath.read(configured.body(), "$.retries")).isEqualTo("configured");
			assertThat((Boolean) JsonPath.read(configured.body(), "$.retriesOverridden")).isFalse();
			assertThat((String) JsonPath.read(configured.body(), "$.serviceConfigDigest")).matches("[0-9a-f]{12}");
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);
		}
	}

	@Test
	void anUnknownClientIs404AndAnotherValue400() throws Exception {
		try (ConfigurableApplicationContext context = start("management.endpoint.grpcclients.access=unrestricted")) {
			assertThat(post(context, "/actuator/grpcclients/nope", "{\"retries\":\"off\"}").statusCode())
				.isEqualTo(404);
			HttpResponse<String> other = post(context, "/actuator/grpcclients/echo", "{\"retries\":\"fewer\"}");
			assertThat(other.statusCode()).isEqualTo(400);
			assertThat(other.body()).contains("\\\"off\\\" or \\\"configured\\\"");
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);
		}
	}

	@Test
	void withoutWriteAccessTheEndpointStaysReadOnly() throws Exception {
		try (ConfigurableApplicationContext context = start()) {
			assertThat(get(context, "/actuator/grpcclients/echo").statusCode()).isEqualTo(200);
			HttpResponse<String> refused = post(context, "/actuator/grpcclients/echo", "{\"retries\":\"off\"}");
			assertThat(refused.statusCode()).isNotEqualTo(200).isGreaterThanOrEqualTo(400);
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);
		}
	}

	private int attemptsOfOneCall(ConfigurableApplicationContext context) {
		return this.backend.attemptsOfOneFailingCall(context);
	}

	private ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(Application.class).web(WebApplicationType.SERVLET)
			.properties("server.port=0", "management.endpoints.web.exposure.include=grpcclients",
					"grpc.clients.echo.address=" + this.backend.address(),
					"grpc.clients.echo.negotiation-type=plaintext", ENTRY_0 + "name[0].service=echo.Echo",
					ENTRY_0 + "timeout=10s", ENTRY_0 + "retry-policy.max-attempts=4",
					ENTRY_0 + "retry-policy.initial-backoff=5ms", ENTRY_0 + "retry-policy.max-backoff=5ms",
					ENTRY_0 + "retry-policy.backoff-multiplier=1",
					ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE")
			.properties(properties)
			.run();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

	}

}
