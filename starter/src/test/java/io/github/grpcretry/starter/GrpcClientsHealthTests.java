package io.github.grpcretry.starter;

import java.net.http.HttpResponse;
import java.time.Duration;

import com.jayway.jsonpath.JsonPath;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static io.github.grpcretry.starter.WebApplications.call;
import static io.github.grpcretry.starter.WebApplications.freePort;
import static io.github.grpcretry.starter.WebApplications.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The {@code grpcClients} health contributor as users see it, with the starter, the actuator and a web server: in
 * {@code /actuator/health}, never in the liveness or readiness probe, and replaced by the application's own bean of its
 * name. Run on each Spring Boot line, where Boot 3.5's contributor comes from the starter's Boot 3 module and Boot 4's
 * from the autoconfigure module.
 */
class GrpcClientsHealthTests {

	@Test
	void clientWhoseServerIsDownIsDownInHealthWhileLivenessAndReadinessStayUp() throws Exception {
		try (ConfigurableApplicationContext context = start(freePort())) {
			ManagedChannel down = context.getBean("downManagedChannel", ManagedChannel.class);
			assertThatExceptionOfType(StatusRuntimeException.class)
				.isThrownBy(() -> call(down, new byte[0], Duration.ofSeconds(10)))
				.extracting((ex) -> ex.getStatus().getCode())
				.isEqualTo(Status.Code.UNAVAILABLE);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> down.getState(false) == ConnectivityState.TRANSIENT_FAILURE);

			HttpResponse<String> health = get(context, "/actuator/health");

			assertThat(health.statusCode()).isEqualTo(503);
			String json = health.body();
			assertThat((String) JsonPath.read(json, "$.components.grpcClients.status")).isEqualTo("DOWN");
			assertThat((String) JsonPath.read(json, "$.components.grpcClients.components.down.status"))
				.isEqualTo("DOWN");
			assertThat((String) JsonPath.read(json, "$.components.grpcClients.components.down.details.state"))
				.isEqualTo("TRANSIENT_FAILURE");
			assertThat((String) JsonPath.read(json, "$.components.grpcClients.components.unused.status"))
				.isEqualTo("UP");
			for (String probe : new String[] { "/actuator/health/liveness", "/actuator/health/readiness" }) {
				HttpResponse<String> response = get(context, probe);
				assertThat(response.statusCode()).as(probe).isEqualTo(200);
				assertThat((String) JsonPath.read(response.body(), "$.status")).as(probe).isEqualTo("UP");
			}
		}
	}

	@Test
	void neverUsedChannelStaysIdleWhileItsHealthIsRead() throws Exception {
		try (ConfigurableApplicationContext context = start(freePort())) {
			ManagedChannel unused = context.getBean("unusedManagedChannel", ManagedChannel.class);
			for (int i = 0; i < 3; i++) {
				HttpResponse<String> health = get(context, "/actuator/health");
				assertThat((String) JsonPath.read(health.body(),
						"$.components.grpcClients.components.unused.details.state"))
					.isEqualTo("IDLE");
				// Nothing listens there: a channel that began connecting would leave IDLE at once and fail. A sleep, not
				// a condition: the window in which a connection that must not start would show.
				Thread.sleep(100);
			}
			assertThat(unused.getState(false)).isEqualTo(ConnectivityState.IDLE);
			assertThat(get(context, "/actuator/health").statusCode()).isEqualTo(200);
		}
	}

	@Test
	void aBeanOfTheApplicationsNamedGrpcClientsHealthContributorTakesThePlaceOfTheStarters() {
		ApplicationHealth mine = new ApplicationHealth();
		new ApplicationContextRunner().withUserConfiguration(Application.class)
			.withPropertyValues("grpc.clients.unused.address=127.0.0.1:1",
					"grpc.clients.unused.negotiation-type=plaintext")
			.withBean("grpcClientsHealthContributor", ApplicationHealth.class, () -> mine)
			.run((context) -> {
				// Bean definitions are not overridden here: the starter's by that name would fail start-up.
				assertThat(context).hasNotFailed();
				assertThat(context.getBean("grpcClientsHealthContributor")).isSameAs(mine);
			});
	}

	private static ConfigurableApplicationContext start(int deadPort) {
		return new SpringApplicationBuilder(Application.class).web(WebApplicationType.SERVLET)
			.properties("server.port=0", "management.endpoint.health.show-details=always",
					"management.endpoint.health.probes.enabled=true",
					"grpc.clients.down.address=127.0.0.1:" + deadPort, "grpc.clients.down.negotiation-type=plaintext",
					"grpc.clients.unused.address=127.0.0.1:" + deadPort,
					"grpc.clients.unused.negotiation-type=plaintext")
			.run();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

	}

	/** The application's own contributor: its type is Spring Boot's of its line, which the test names on none. */
	static final class ApplicationHealth {

	}

}
