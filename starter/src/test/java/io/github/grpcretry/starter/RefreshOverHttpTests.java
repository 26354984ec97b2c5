package io.github.grpcretry.starter;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static io.github.grpcretry.starter.WebApplications.get;
import static io.github.grpcretry.starter.WebApplications.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A refresh as an operator makes it, on each Spring Boot line with its Spring Cloud: the configuration file changes
 * (a ConfigMap reload) and {@code POST /actuator/refresh}, Spring Cloud's own endpoint, reloads it; the running
 * channel takes the new policy. The incident switch's {@code configured} answers 400 with every violation when the
 * configuration breaks a rule.
 */
class RefreshOverHttpTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	@RegisterExtension
	final UnavailableBackend backend = new UnavailableBackend();

	@TempDir
	Path directory;


	@Test
	void aRefreshChangesTheRunningPolicyAndABrokenOneKeepsTheSwitchOff() throws Exception {
		write(4);
		try (ConfigurableApplicationContext context = start()) {
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);

			write(2);
			HttpResponse<String> refreshed = post(context, "/actuator/refresh", "");
			assertThat(refreshed.statusCode()).isEqualTo(200);
			List<String> keys = JsonPath.read(refreshed.body(), "$");
			assertThat(keys).contains(ENTRY_0 + "retry-policy.max-attempts");
			assertThat(attemptsOfOneCall(context)).isEqualTo(2);
			String shown = get(context, "/actuator/grpcclients/echo").body();
			assertThat((String) JsonPath.read(shown, "$.serviceConfigSource")).isEqualTo("refresh");
			assertThat((Double) JsonPath.read(shown, "$.serviceConfig.methodConfig[0].retryPolicy.maxAttempts"))
				.isEqualTo(2.0);

			assertThat(post(context, "/actuator/grpcclients/echo", "{\"retries\":\"off\"}").statusCode())
				.isEqualTo(200);
			write(3, ENTRY_0 + "retry-policy.backoff-multiplier=0");
			assertThat(post(context, "/actuator/refresh", "").statusCode()).isEqualTo(200);
			HttpResponse<String> configured = post(context, "/actuator/grpcclients/echo",
					"{\"retries\":\"configured\"}");
			assertThat(configured.statusCode()).isEqualTo(400);
			List<String> properties = JsonPath.read(configured.body(), "$.violations[*].property");
			assertThat(properties).containsExactly(ENTRY_0 + "retry-policy.backoff-multiplier");
			assertThat(attemptsOfOneCall(context)).isEqualTo(1);
		}
	}

	private int attemptsOfOneCall(ConfigurableApplicationContext context) {
		return this.backend.attemptsOfOneFailingCall(context);
	}

	private void write(int maxAttempts, String... more) throws IOException {
		StringBuilder properties = new StringBuilder();
		for (String line : List.of("grpc.clients.echo.address=" + this.backend.address(),
				"grpc.clients.echo.negotiation-type=plaintext", ENTRY_0 + "name[0].service=echo.Echo",
				ENTRY_0 + "retry-policy.max-attempts=" + maxAttempts, ENTRY_0 + "retry-policy.initial-backoff=5ms",
				ENTRY_0 + "retry-policy.max-backoff=5ms", ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE")) {
			properties.append(line).append('\n');
		}
		for (String line : more) {
			properties.append(line).append('\n');
		}
		if (more.length == 0) {
			properties.append(ENTRY_0).append("retry-policy.backoff-multiplier=1\n");
		}
		Files.writeString(this.directory.resolve("application.properties"), properties);
	}

	private ConfigurableApplicationContext start() {
		return new SpringApplicationBuilder(Application.class).web(WebApplicationType.SERVLET)
			.properties("server.port=0", "management.endpoints.web.exposure.include=grpcclients,refresh",
					"management.endpoint.grpcclients.access=unrestricted")
			.run("--spring.config.location=file:" + this.directory.resolve("application.properties"));
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

	}

}
