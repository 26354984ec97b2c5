package io.github.grpcretry.fleet;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.util.FileSystemUtils;

import static io.github.grpcretry.fleet.Fleet.ENTRY_0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fleet of three instances changed through Spring Cloud Bus, as an operator changes it: one request to one
 * instance, and every instance's next calls run what it asked for. The broker is a subclass's, started before the
 * fleet and stopped after it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class AbstractBusFleetTests {

	private static final int INSTANCES = 3;

	private static final int CONFIGURED_ATTEMPTS = 4;

	private final AtomicInteger pings = new AtomicInteger();

	private Path repository;

	private Fleet fleet;

	@BeforeAll
	void startFleet() throws Exception {
		startBroker();
		this.repository = Files.createTempDirectory("fleet-config");
		this.fleet = Fleet.start(this.repository, INSTANCES, CONFIGURED_ATTEMPTS, brokerProperties());
		awaitEveryInstanceSubscribed();
	}

	@AfterAll
	void stopFleet() throws Exception {
		try {
			if (this.fleet != null) {
				this.fleet.close();
			}
		}
		finally {
			stopBroker();
			if (this.repository != null) {
				FileSystemUtils.deleteRecursively(this.repository);
			}
		}
	}

	/**
	 * Starts the broker the instances are linked by.
	 * @throws Exception if it cannot start
	 */
	abstract void startBroker() throws Exception;

	/**
	 * The properties that link an instance to the started broker.
	 * @return the properties
	 */
	abstract Map<String, Object> brokerProperties();

	/**
	 * Stops the broker and removes what it wrote.
	 * @throws Exception if it cannot stop
	 */
	abstract void stopBroker() throws Exception;

	@Test
	@Order(1)
	void aConfigServerChangeAndOneBusRefreshGiveEveryInstanceTheNewPolicy() throws Exception {
		assertEveryInstanceMakes(CONFIGURED_ATTEMPTS);
		String configured = awaitOneDigest();

		this.fleet.writeConfiguration(2);
		assertThat(this.fleet.post(0, "/actuator/busrefresh", "").statusCode()).isEqualTo(204);
		awaitEveryInstanceShowsMaxAttempts(2);
		assertEveryInstanceMakes(2);
		assertThat(awaitOneDigest()).isNotEqualTo(configured);

		this.fleet.writeConfiguration(CONFIGURED_ATTEMPTS);
		assertThat(this.fleet.post(2, "/actuator/busrefresh", "").statusCode()).isEqualTo(204);
		awaitEveryInstanceShowsMaxAttempts(CONFIGURED_ATTEMPTS);
		assertEveryInstanceMakes(CONFIGURED_ATTEMPTS);
		assertThat(awaitOneDigest()).isEqualTo(configured);
	}

	@Test
	@Order(2)
	void oneBusEnvTurnsRetriesOffOnEveryInstanceAndConfiguredTurnsThemBack() throws Exception {
		assertEveryInstanceMakes(CONFIGURED_ATTEMPTS);

		assertThat(busEnv(1, "grpc.clients.echo.retries", "off").statusCode()).isEqualTo(204);
		awaitEveryInstanceReadsRetriesEnabled(0);
		assertEveryInstanceMakes(1);

		assertThat(busEnv(2, "grpc.clients.echo.retries", "configured").statusCode()).isEqualTo(204);
		awaitEveryInstanceReadsRetriesEnabled(1);
		assertEveryInstanceMakes(CONFIGURED_ATTEMPTS);
	}

	// Last: busenv's value stays above every other property source for the instance's lifetime, so each later
	// refresh binds the list from it too, and is refused the same way
	@Test
	@Order(3)
	void aBusEnvOfOneFieldOfAPolicyEntryIsRefusedOnEveryInstanceWhichKeepsItsPolicy() throws Exception {
		String configured = awaitOneDigest();
		assertThat(busEnv(1, ENTRY_0 + "retry-policy.max-attempts", "3").statusCode()).isEqualTo(204);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			for (int i = 0; i < INSTANCES; i++) {
				assertThat(meter(i, "grpc.client.service_config.changes", "client:echo", "source:refresh",
						"result:refused"))
					.as("instance %d's refused changes", i)
					.isEqualTo(1.0);
			}
		});
		awaitEveryInstanceShowsMaxAttempts(CONFIGURED_ATTEMPTS);
		assertEveryInstanceMakes(CONFIGURED_ATTEMPTS);
		assertThat(awaitOneDigest()).isEqualTo(configured);
	}

	private HttpResponse<String> busEnv(int instance, String name, String value) throws Exception {
		return this.fleet.post(instance, "/actuator/busenv",
				"{\"name\":\"" + name + "\",\"value\":\"" + value + "\"}");
	}

	private void assertEveryInstanceMakes(int attempts) {
		for (int i = 0; i < INSTANCES; i++) {
			assertThat(this.fleet.attemptsOfOneFailingCall(i)).as("instance %d's attempts", i).isEqualTo(attempts);
		}
	}

	private void awaitEveryInstanceShowsMaxAttempts(int maxAttempts) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			for (int i = 0; i < INSTANCES; i++) {
				String shown = this.fleet.get(i, "/actuator/grpcclients/echo").body();
				assertThat((Double) JsonPath.read(shown, "$.serviceConfig.methodConfig[0].retryPolicy.maxAttempts"))
					.as("instance %d's max-attempts", i)
					.isEqualTo(maxAttempts);
			}
		});
	}

	// The meter's value as /actuator/metrics shows it, null while the instance has no such meter
	private Double meter(int instance, String name, String... tags) throws Exception {
		HttpResponse<String> response = this.fleet.get(instance,
				"/actuator/metrics/" + name + "?tag=" + String.join("&tag=", tags));
		if (response.statusCode() == 404) {
			return null;
		}
		assertThat(response.statusCode()).isEqualTo(200);
		return JsonPath.read(response.body(), "$.measurements[0].value");
	}

	private void awaitEveryInstanceReadsRetriesEnabled(double enabled) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			for (int i = 0; i < INSTANCES; i++) {
				assertThat(meter(i, "grpc.client.retries.enabled", "client:echo"))
					.as("instance %d's grpc.client.retries.enabled", i)
					.isEqualTo(enabled);
			}
		});
	}

	// The digest every instance runs, once each shows one: the endpoint's, and the info gauge's only one
	private String awaitOneDigest() {
		Set<String> digests = new HashSet<>();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			digests.clear();
			for (int i = 0; i < INSTANCES; i++) {
				String shown = JsonPath.read(this.fleet.get(i, "/actuator/grpcclients/echo").body(),
						"$.serviceConfigDigest");
				HttpResponse<String> info = this.fleet.get(i,
						"/actuator/metrics/grpc.client.service_config.info?tag=client:echo");
				List<String> gauged = JsonPath.read(info.body(), "$.availableTags[?(@.tag == 'digest')].values[*]");
				assertThat(gauged).as("instance %d's grpc.client.service_config.info digests", i).containsExactly(shown);
				digests.add(shown);
			}
			assertThat(digests).as("the digests the instances run").hasSize(1);
		});
		return digests.iterator().next();
	}

	// A consumer that joins the broker after a message was sent never sees it: a ping until every instance saw one
	private void awaitEveryInstanceSubscribed() {
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
			String last = Integer.toString(this.pings.get());
			boolean everyInstance = this.fleet.instances()
				.stream()
				.allMatch((instance) -> last.equals(instance.getEnvironment().getProperty("fleet.ping")));
			if (!everyInstance) {
				busEnv(0, "fleet.ping", Integer.toString(this.pings.incrementAndGet()));
			}
			return everyInstance;
		});
	}

}
