package io.github.grpcretry.starter;

import java.time.Duration;

import com.jayway.jsonpath.JsonPath;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static io.github.grpcretry.starter.WebApplications.call;
import static io.github.grpcretry.starter.WebApplications.freePort;
import static io.github.grpcretry.starter.WebApplications.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Credentials in a client's address, as an operator meets them in a web application with the actuator: masked in
 * {@code /actuator/grpcclients}, in each client's entry, in {@code /actuator/health} details (Boot 3.5's contributor
 * and Boot 4's) and in what the application logs while its calls fail, on each Spring Boot line.
 */
@ExtendWith(OutputCaptureExtension.class)
class CredentialsNotShownTests {

	private static final String SECRET = "s3cret-token";

	@Test
	void noCredentialOfAnAddressShowsInTheEndpointHealthOrLogs(CapturedOutput output) throws Exception {
		int deadPort = freePort();
		try (ConfigurableApplicationContext context = start("dns://admin:" + SECRET + "@127.0.0.1:53/127.0.0.1:" + deadPort,
				"admin:" + SECRET + "@127.0.0.1:" + deadPort)) {
			for (String client : new String[] { "dns", "bare" }) {
				ManagedChannel channel = context.getBean(client + "ManagedChannel", ManagedChannel.class);
				assertThatExceptionOfType(StatusRuntimeException.class)
					.isThrownBy(() -> call(channel, new byte[0], Duration.ofSeconds(10)));
			}

			String clients = get(context, "/actuator/grpcclients").body();
			assertThat((String) JsonPath.read(clients, "$.clients.dns.target"))
				.isEqualTo("dns://****@127.0.0.1:53/127.0.0.1:" + deadPort);
			assertThat((String) JsonPath.read(clients, "$.clients.bare.target")).isEqualTo("****@127.0.0.1:" + deadPort);
			String one = get(context, "/actuator/grpcclients/dns").body();
			assertThat((String) JsonPath.read(one, "$.target")).isEqualTo("dns://****@127.0.0.1:53/127.0.0.1:" + deadPort);
			String health = get(context, "/actuator/health").body();
			assertThat((String) JsonPath.read(health, "$.components.grpcClients.components.dns.details.target"))
				.isEqualTo("dns://****@127.0.0.1:53/127.0.0.1:" + deadPort);
			for (String body : new String[] { clients, one, health }) {
				assertThat(body).doesNotContain(SECRET).doesNotContain("admin");
			}
		}
		assertThat(output).doesNotContain(SECRET);
	}

	private static ConfigurableApplicationContext start(String dns, String bare) {
		return new SpringApplicationBuilder(Application.class).web(WebApplicationType.SERVLET)
			.properties("server.port=0", "management.endpoint.health.show-details=always",
					"management.endpoints.web.exposure.include=health,grpcclients", "grpc.clients.dns.address=" + dns,
					"grpc.clients.bare.address=" + bare, "grpc.clients.dns.negotiation-type=plaintext",
					"grpc.clients.bare.negotiation-type=plaintext")
			.run();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

	}

}
