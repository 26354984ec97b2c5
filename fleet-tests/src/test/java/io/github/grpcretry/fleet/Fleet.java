package io.github.grpcretry.fleet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.config.server.EnableConfigServer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One application run as a fleet in the test's JVM, as operators run it: a Config Server (its {@code native} profile,
 * serving a file on disk) and instances that take their {@code echo} client's policy from it and are linked by Spring
 * Cloud Bus over a real broker. Each instance calls a backend of its own.
 */
final class Fleet implements AutoCloseable {

	/** The application's name, which the Config Server's file is named after. */
	static final String APPLICATION = "fleet";

	/** The {@code echo} client's method config that governs the calls. */
	static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	private static final HttpClient HTTP = HttpClient.newHttpClient();

	private final Path repository;

	private final List<CountingBackend> backends = new ArrayList<>();

	private final List<ConfigurableApplicationContext> instances = new ArrayList<>();

	private ConfigurableApplicationContext configServer;

	/**
	 * Starts the Config Server over {@code repository} and {@code size} instances linked by the broker.
	 * @param repository the Config Server's directory
	 * @param size how many instances
	 * @param maxAttempts the policy's {@code max-attempts} the Config Server serves at start
	 * @param broker the properties that link an instance to the broker
	 * @return the running fleet
	 * @throws IOException if a file or a backend cannot be had
	 */
	static Fleet start(Path repository, int size, int maxAttempts, Map<String, Object> broker) throws IOException {
		Fleet fleet = new Fleet(repository);
		try {
			fleet.writeConfiguration(maxAttempts);
			fleet.configServer = new SpringApplicationBuilder(ConfigServer.class).web(WebApplicationType.SERVLET)
				.profiles("native")
				.properties(common())
				// Not a member of the fleet: it serves the files and takes no Bus event
				.properties("spring.application.name=configserver", "spring.cloud.bus.enabled=false",
						"spring.cloud.config.server.native.search-locations=" + repository.toUri())
				.run();
			String configServerPort = fleet.configServer.getEnvironment().getRequiredProperty("local.server.port");
			for (int i = 0; i < size; i++) {
				CountingBackend backend = new CountingBackend();
				fleet.backends.add(backend);
				fleet.instances.add(new SpringApplicationBuilder(Instance.class).web(WebApplicationType.SERVLET)
					.properties(common())
					.properties(broker)
					.properties("spring.application.name=" + APPLICATION,
							"spring.config.import=configserver:http://127.0.0.1:" + configServerPort,
							// The Config Server's jar, on this class path too, turns its client off unless told
							"spring.cloud.config.enabled=true",
							// Bus drops the events whose origin is its own id: in one JVM, instances of one
							// application would share the default id (application name, port 0, one cached random)
							"spring.cloud.bus.id=" + APPLICATION + ":" + i,
							"management.endpoints.web.exposure.include=busenv,busrefresh,grpcclients,metrics",
							"grpc.clients.echo.address=" + backend.address())
					.run());
			}
			return fleet;
		}
		catch (RuntimeException | IOException ex) {
			fleet.close();
			throw ex;
		}
	}

	private static String[] common() {
		return new String[] { "server.port=0", "server.address=127.0.0.1", "spring.jmx.enabled=false",
				// Each application's meters its own: none in the JVM's global registry, which all would share
				"management.metrics.use-global-registry=false" };
	}

	private Fleet(Path repository) {
		this.repository = repository;
	}

	/**
	 * The running instances.
	 * @return the instances, in the order they started
	 */
	List<ConfigurableApplicationContext> instances() {
		return this.instances;
	}

	/**
	 * Makes one call through an instance's {@code echo} client, and counts the requests its backend received for it.
	 * @param instance the instance's index
	 * @return the call's attempts, as its backend saw them
	 */
	int attemptsOfOneFailingCall(int instance) {
		return this.backends.get(instance).attemptsOfOneFailingCall(this.instances.get(instance));
	}

	/**
	 * Writes the file the Config Server serves to every instance: the {@code echo} client's policy, retrying
	 * {@code UNAVAILABLE} with 5 ms backoffs.
	 * @param maxAttempts the policy's {@code max-attempts}
	 * @throws IOException if the file cannot be written
	 */
	void writeConfiguration(int maxAttempts) throws IOException {
		StringBuilder properties = new StringBuilder();
		for (String line : List.of("grpc.clients.echo.negotiation-type=plaintext",
				ENTRY_0 + "name[0].service=echo.Echo", ENTRY_0 + "retry-policy.max-attempts=" + maxAttempts,
				ENTRY_0 + "retry-policy.initial-backoff=5ms", ENTRY_0 + "retry-policy.max-backoff=5ms",
				ENTRY_0 + "retry-policy.backoff-multiplier=1",
				ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE")) {
			properties.append(line).append('\n');
		}
		Files.writeString(this.repository.resolve(APPLICATION + ".properties"), properties);
	}

	/**
	 * Sends a GET to an instance's web server and waits for the response.
	 * @param instance the instance's index
	 * @param path the path
	 * @return the response
	 * @throws Exception if the request fails or gets no response within 20 s
	 */
	HttpResponse<String> get(int instance, String path) throws Exception {
		return HTTP.sendAsync(HttpRequest.newBuilder(uri(instance, path)).build(), HttpResponse.BodyHandlers.ofString())
			.get(20, TimeUnit.SECONDS);
	}

	/**
	 * Sends a POST of a JSON body to an instance's web server and waits for the response.
	 * @param instance the instance's index
	 * @param path the path
	 * @param json the body
	 * @return the response
	 * @throws Exception if the request fails or gets no response within 20 s
	 */
	HttpResponse<String> post(int instance, String path, String json) throws Exception {
		return HTTP
			.sendAsync(HttpRequest.newBuilder(uri(instance, path))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(json))
				.build(), HttpResponse.BodyHandlers.ofString())
			.get(20, TimeUnit.SECONDS);
	}

	private URI uri(int instance, String path) {
		String port = this.instances.get(instance).getEnvironment().getRequiredProperty("local.server.port");
		return URI.create("http://127.0.0.1:" + port + path);
	}

	@Override
	public void close() {
		for (ConfigurableApplicationContext instance : this.instances) {
			instance.close();
		}
		if (this.configServer != null) {
			this.configServer.close();
		}
		for (CountingBackend backend : this.backends) {
			try {
				backend.close();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Instance {

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableConfigServer
	static class ConfigServer {

	}

}
