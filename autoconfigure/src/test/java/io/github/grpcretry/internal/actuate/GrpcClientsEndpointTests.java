package io.github.grpcretry.internal.actuate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.jayway.jsonpath.JsonPath;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.SelfSignedCertificate;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code grpcclients} endpoint as users reach it: over HTTP, in an application with a web server on a random
 * port, once exposed.
 */
class GrpcClientsEndpointTests {

	private static final HttpClient HTTP = HttpClient.newHttpClient();

	@Test
	void reportsEachClientWithTheServiceConfigHandedToGrpcJavaItsStateAndItsFigures() throws Exception {
		// Request 1 succeeds; 2 and 3 fail, 4 succeeds: call 1 needs no retry, call 2 succeeds only by 2 retries.
		try (EchoTestServer server = EchoTestServer.onLoopback((n) -> (n == 2 || n == 3)
				? Answer.fail(Status.Code.UNAVAILABLE) : Answer.ok());
				ConfigurableApplicationContext context = start(echoClient(server), "management.endpoints.web.exposure.include=grpcclients")) {
			ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
			echo(channel);
			echo(channel);

			HttpResponse<String> response = get(context, "/actuator/grpcclients/echo");

			assertThat(response.statusCode()).isEqualTo(200);
			String json = response.body();
			assertThat((String) JsonPath.read(json, "$.target")).isEqualTo(server.address());
			assertThat((String) JsonPath.read(json, "$.negotiationType")).isEqualTo("plaintext");
			assertThat((String) JsonPath.read(json, "$.loadBalancingPolicy")).isEqualTo("pick_first");
			// The actuator's JSON leaves out what is null: no SSL bundle.
			assertThat((Map<String, Object>) JsonPath.read(json, "$")).doesNotContainKey("sslBundle");
			// Numbers as the Doubles grpc-java was handed, durations in its exact decimal seconds.
			assertThat((Map<String, Object>) JsonPath.read(json, "$.serviceConfig")).isEqualTo(Map.of("methodConfig",
					List.of(Map.of("name", List.of(Map.of("service", "echo.Echo", "method", "UnaryEcho")), "timeout",
							"2.5s", "waitForReady", false, "retryPolicy",
							Map.of("maxAttempts", 4.0, "initialBackoff", "0.05s", "maxBackoff", "0.1s",
									"backoffMultiplier", 1.5, "retryableStatusCodes", List.of("UNAVAILABLE")))),
					"retryThrottling", Map.of("maxTokens", 10.0, "tokenRatio", 0.5)));
			assertThat((String) JsonPath.read(json, "$.state")).isEqualTo("READY");
			assertThat((Map<String, Object>) JsonPath.read(json, "$.figures")).isEqualTo(Map.of("calls", 2,
					"callsByOutcome",
					Map.of("success_without_retry", 1, "success_with_retry", 1, "failed_without_retry", 0,
							"failed_with_retry", 0),
					"callsByRetryStop",
					Map.of("succeeded", 2, "retries_off", 0, "no_policy", 0, "committed", 0, "retry_buffer", 0,
							"deadline_or_cancel", 0, "server_pushback", 0, "status_not_retryable", 0, "max_attempts",
							0, "throttled", 0),
					"attempts", Map.of("initial", 2, "retry", 2, "hedge", 0, "transparent_retry", 0),
					"successWithRetryShare", 0.5, "methodConfig",
					List.of(Map.of("index", 0, "names", List.of("echo.Echo/UnaryEcho"), "policy", "retry",
							"governedCalls", 2, "matchesNoCall", false, "didYouMean", Map.of())),
					"ungovernedCalls", Map.of()));
		}
	}

	@Test
	void listsEveryClientByNameAndAnUnusedChannelStaysIdle() throws Exception {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()));
				ConfigurableApplicationContext context = start(echoClient(server),
						"management.endpoints.web.exposure.include=grpcclients",
						"grpc.clients.other.address=127.0.0.1:" + server.port(),
						"grpc.clients.other.negotiation-type=plaintext")) {
			HttpResponse<String> response = get(context, "/actuator/grpcclients");

			assertThat(response.statusCode()).isEqualTo(200);
			assertThat((Map<String, Object>) JsonPath.read(response.body(), "$.clients")).containsOnlyKeys("echo",
					"other");
			assertThat((String) JsonPath.read(response.body(), "$.clients.other.loadBalancingPolicy"))
				.isEqualTo("round_robin");
			assertThat((String) JsonPath.read(response.body(), "$.clients.other.state")).isEqualTo("IDLE");
			assertThat((Map<String, Object>) JsonPath.read(response.body(), "$.clients.other.serviceConfig")).isEmpty();
			assertThat((Map<String, Object>) JsonPath.read(response.body(), "$.clients.other.figures"))
				.containsEntry("calls", 0)
				.doesNotContainKey("successWithRetryShare");
			// Reading the state did not connect: the server is up, so a channel that began connecting would be READY.
			// A sleep, not a condition: the window in which a connection that must not start would show.
			Thread.sleep(200);
			assertThat(context.getBean("otherManagedChannel", ManagedChannel.class).getState(false).name())
				.isEqualTo("IDLE");
		}
	}

	@Test
	void unknownClientIsNotFound() throws Exception {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()));
				ConfigurableApplicationContext context = start(echoClient(server),
						"management.endpoints.web.exposure.include=grpcclients")) {
			assertThat(get(context, "/actuator/grpcclients/nosuchclient").statusCode()).isEqualTo(404);
		}
	}

	@Test
	void endpointIsNotFoundOverHttpUntilExposed() throws Exception {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()));
				ConfigurableApplicationContext context = start(echoClient(server))) {
			assertThat(get(context, "/actuator/grpcclients").statusCode()).isEqualTo(404);
			assertThat(get(context, "/actuator/grpcclients/echo").statusCode()).isEqualTo(404);
			// The actuator itself is there: only this endpoint is not exposed.
			assertThat(get(context, "/actuator/health").statusCode()).isEqualTo(200);
		}
	}

	@Test
	void showsTheSslBundleByNameAndNoneOfItsMaterial() throws Exception {
		SelfSignedCertificate certificate = SelfSignedCertificate.shared();
		String pem = Files.readString(certificate.certificate());
		try (ConfigurableApplicationContext context = start(List.of(
				"spring.ssl.bundle.pem.secure-trust.truststore.certificate=file:" + certificate.certificate(),
				"grpc.clients.secure.address=127.0.0.1:1", "grpc.clients.secure.ssl.bundle=secure-trust"),
				"management.endpoints.web.exposure.include=grpcclients")) {
			HttpResponse<String> response = get(context, "/actuator/grpcclients");

			assertThat((String) JsonPath.read(response.body(), "$.clients.secure.negotiationType")).isEqualTo("tls");
			assertThat((String) JsonPath.read(response.body(), "$.clients.secure.sslBundle"))
				.isEqualTo("secure-trust");
			String base64Line = pem.lines().filter((line) -> !line.startsWith("-----")).findFirst().orElseThrow();
			assertThat(response.body()).doesNotContain(base64Line)
				.doesNotContain("CERTIFICATE")
				.doesNotContain(certificate.certificate().toString());
		}
	}

	private static List<String> echoClient(EchoTestServer server) {
		String client = "grpc.clients.echo.";
		String method = client + "method-config[0].";
		return List.of(client + "address=" + server.address(), client + "negotiation-type=plaintext",
				client + "load-balancing-policy=pick_first", method + "name[0].service=echo.Echo",
				method + "name[0].method=UnaryEcho", method + "timeout=2500ms", method + "wait-for-ready=false",
				method + "retry-policy.max-attempts=4", method + "retry-policy.initial-backoff=50ms",
				method + "retry-policy.max-backoff=.1s", method + "retry-policy.backoff-multiplier=1.5",
				method + "retry-policy.retryable-status-codes=unavailable", client + "retry-throttling.max-tokens=10",
				client + "retry-throttling.token-ratio=0.5");
	}

	private static ConfigurableApplicationContext start(List<String> clients, String... properties) {
		List<String> all = new ArrayList<>(clients);
		all.add("server.port=0");
		all.addAll(List.of(properties));
		return new SpringApplicationBuilder(Application.class).web(WebApplicationType.SERVLET)
			.properties(all.toArray(String[]::new))
			.run();
	}

	private static HttpResponse<String> get(ConfigurableApplicationContext context, String path)
			throws IOException, InterruptedException {
		// Set by Spring Boot on every line once the web server started, wherever its web server types live.
		int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build();
		return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
	}

	private static void echo(ManagedChannel channel) {
		EchoGrpc.newBlockingStub(channel)
			.withDeadlineAfter(10, TimeUnit.SECONDS)
			.unaryEcho(EchoRequest.newBuilder().setMessage("hello").build());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

	}

}
