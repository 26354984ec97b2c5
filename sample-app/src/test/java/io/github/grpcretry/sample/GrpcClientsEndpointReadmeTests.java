package io.github.grpcretry.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reference's example of {@code /actuator/grpcclients/echo} (docs/operating.md) is what the sample's client
 * really shows after the sample's 10 calls.
 */
class GrpcClientsEndpointReadmeTests {

	private static final Pattern ENDPOINT_EXAMPLE = Pattern
		.compile("## Actuator endpoint `grpcclients`.*?```json\\n(.*?)```", Pattern.DOTALL);

	@Test
	void documentedExampleIsTheSampleClientsAnswerAfterItsCalls() throws Exception {
		Matcher example = ENDPOINT_EXAMPLE.matcher(Files.readString(Path.of("../docs/operating.md")));
		assertThat(example.find()).as("the reference's example of the endpoint").isTrue();
		int grpcPort = PrometheusServer.freePort();
		try (ConfigurableApplicationContext app = SpringApplication.run(SampleApplication.class,
				"--sample.port=" + grpcPort, "--spring.main.web-application-type=servlet", "--server.port=0",
				"--management.endpoints.web.exposure.include=grpcclients")) {
			String port = app.getEnvironment().getProperty("local.server.port");
			HttpResponse<String> response = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/grpcclients/echo"))
					.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).isEqualTo(200);
			String readme = example.group(1).replace("localhost:50052", "localhost:" + grpcPort);
			// The one value that differs from run to run: when the service config last changed, here the start.
			DocumentContext answer = JsonPath.parse(response.body());
			Instant changedAt = Instant.parse(answer.read("$.serviceConfigChangedAt", String.class));
			assertThat(changedAt).isBefore(Instant.now());
			answer.set("$.serviceConfigChangedAt", JsonPath.parse(readme).read("$.serviceConfigChangedAt"));
			assertThat((Object) answer.json()).isEqualTo(JsonPath.parse(readme).json());
		}
	}

}
