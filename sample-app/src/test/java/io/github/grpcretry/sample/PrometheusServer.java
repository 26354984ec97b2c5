package io.github.grpcretry.sample;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import com.jayway.jsonpath.JsonPath;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * A real Prometheus server of its own, scraping one {@code /actuator/prometheus} every second with the given rule
 * files loaded, queried through its HTTP API; stopped on {@link #close()}.
 */
final class PrometheusServer implements AutoCloseable {

	static final String JOB = "sample";

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final Process process;

	private final Path log;

	private final URI base;

	private PrometheusServer(Process process, Path log, URI base) {
		this.process = process;
		this.log = log;
		this.base = base;
	}

	static PrometheusServer scraping(int targetPort, Path ruleFile, Path directory) throws Exception {
		Path binary = PrometheusBinaries.require("prometheus");
		Path config = directory.resolve("prometheus.yml");
		Files.writeString(config, """
				global:
				  scrape_interval: 1s
				  scrape_timeout: 1s
				  evaluation_interval: 1s
				rule_files:
				  - '%s'
				scrape_configs:
				  - job_name: %s
				    metrics_path: /actuator/prometheus
				    static_configs:
				      - targets: ['127.0.0.1:%d']
				""".formatted(ruleFile, JOB, targetPort));
		int port = freePort();
		Path log = directory.resolve("prometheus.log");
		Process process = new ProcessBuilder(binary.toString(), "--config.file=" + config,
				"--storage.tsdb.path=" + directory.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		PrometheusServer server = new PrometheusServer(process, log, URI.create("http://127.0.0.1:" + port));
		server.awaitReady();
		return server;
	}

	private void awaitReady() throws Exception {
		try {
			await("Prometheus ready").atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(100))
				.ignoreExceptionsInstanceOf(IOException.class) // not listening yet
				.failFast("Prometheus exited", () -> !this.process.isAlive())
				.until(() -> get("/-/ready").statusCode() == 200);
		}
		catch (ConditionTimeoutException | TerminalFailureException ex) {
			fail("%s:%n%s", ex.getMessage(), Files.readString(this.log));
		}
	}

	/**
	 * Evaluates an expression through {@code /api/v1/query} at a time (Unix seconds), returning each series'
	 * labels (without {@code job} and {@code instance}) and value.
	 */
	Map<Map<String, String>, Double> query(String expression, double time) throws Exception {
		String body = post("/api/v1/query", Map.of("query", expression, "time", Double.toString(time)));
		assertThat((String) JsonPath.read(body, "$.status")).as("%s: %s", expression, body).isEqualTo("success");
		assertThat((String) JsonPath.read(body, "$.data.resultType")).as(expression).isEqualTo("vector");
		Map<Map<String, String>, Double> result = new LinkedHashMap<>();
		List<Map<String, Object>> series = JsonPath.read(body, "$.data.result");
		for (Map<String, Object> one : series) {
			@SuppressWarnings("unchecked")
			Map<String, String> labels = new TreeMap<>((Map<String, String>) one.get("metric"));
			labels.remove("job");
			labels.remove("instance");
			List<?> value = (List<?>) one.get("value");
			assertThat(result.put(labels, number((String) value.get(1)))).as("%s: twice %s", expression, labels)
				.isNull();
		}
		return result;
	}

	/** A single value, such as {@code timestamp(up)}; NaN when the expression returns nothing yet. */
	double value(String expression, double time) throws Exception {
		Map<Map<String, String>, Double> result = query(expression, time);
		return result.isEmpty() ? Double.NaN : result.values().iterator().next();
	}

	/** {@code /api/v1/label/<name>/values}, what Grafana's {@code label_values(selector, name)} asks. */
	TreeSet<String> labelValues(String label, String selector, double start, double end) throws Exception {
		String body = get("/api/v1/label/" + label + "/values?match[]=" + encode(selector) + "&start=" + start + "&end="
				+ end).body();
		assertThat((String) JsonPath.read(body, "$.status")).as(body).isEqualTo("success");
		return new TreeSet<>(JsonPath.<List<String>>read(body, "$.data"));
	}

	/** The loaded alerting rules by name, with their health ({@code ok} once evaluated without error). */
	Map<String, String> ruleHealth() throws Exception {
		String body = get("/api/v1/rules").body();
		List<String> names = JsonPath.read(body, "$.data.groups[*].rules[*].name");
		List<String> health = JsonPath.read(body, "$.data.groups[*].rules[*].health");
		Map<String, String> result = new TreeMap<>();
		for (int i = 0; i < names.size(); i++) {
			result.put(names.get(i), health.get(i));
		}
		return result;
	}

	static double now() {
		return System.currentTimeMillis() / 1000.0;
	}

	private static double number(String value) {
		return switch (value) {
			case "NaN" -> Double.NaN;
			case "+Inf" -> Double.POSITIVE_INFINITY;
			case "-Inf" -> Double.NEGATIVE_INFINITY;
			default -> Double.parseDouble(value);
		};
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(this.base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private String post(String path, Map<String, String> form) throws Exception {
		StringBuilder body = new StringBuilder();
		form.forEach((key, value) -> body.append(body.isEmpty() ? "" : "&").append(key).append('=').append(encode(value)));
		HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(this.base.resolve(path))
			.timeout(Duration.ofSeconds(10))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString(body.toString()))
			.build(), HttpResponse.BodyHandlers.ofString());
		return response.body();
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	@Override
	public void close() throws InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
			this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
	}

}
