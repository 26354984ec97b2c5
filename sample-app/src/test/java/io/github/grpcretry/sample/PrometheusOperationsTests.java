package io.github.grpcretry.sample;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.jayway.jsonpath.JsonPath;
import io.github.grpcretry.sample.MeterFigures.Grouped;
import io.github.grpcretry.sample.MeterFigures.Series;
import io.github.grpcretry.sample.echo.EchoGrpc;
import io.github.grpcretry.sample.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.boot.DefaultApplicationArguments;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

import static io.github.grpcretry.sample.MeterFigures.Statistic.COUNT;
import static io.github.grpcretry.sample.MeterFigures.Statistic.TOTAL;
import static io.github.grpcretry.sample.MeterFigures.Statistic.VALUE;
import static io.github.grpcretry.sample.PrometheusBinaries.ALERTING_RULES;
import static io.github.grpcretry.sample.PrometheusBinaries.DASHBOARD;
import static io.github.grpcretry.sample.PrometheusBinaries.REPOSITORY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Every PromQL expression the project ships (the documentation's, each alerting rule's, each dashboard target's), read from
 * those files, is evaluated by a real Prometheus server scraping the sample's {@code /actuator/prometheus}, and returns
 * the figures the sample's {@link MeterRegistry} holds.
 * <p>
 * The calls happen in two rounds, the first before Prometheus starts, so that every series exists from its first
 * scrape: each {@code rate} then covers the second round exactly, the same samples for every series. A ratio of two
 * rates is therefore exact; a rate alone is compared up to the one factor by which Prometheus extrapolates it to the
 * edges of its range, the same for every series.
 */
class PrometheusOperationsTests {

	/** What the test puts for Grafana's {@code $__rate_interval}: longer than the whole test, as 5m is. */
	private static final Duration RATE_INTERVAL = Duration.ofMinutes(1);

	/** A client beside the sample's own, against a server that always fails: retry throttling cuts its retries. */
	private static final String THROTTLED = "echo-throttled";

	private static final String ATTEMPTS = "grpc.client.attempts";

	private static final String CALLS = "grpc.client.calls";

	private static final String RETRIES = "grpc.client.call.retries";

	private static final String RETRY_DELAY = "grpc.client.call.retry_delay";

	private static final String RETRIES_ENABLED = "grpc.client.retries.enabled";

	private static final String SERVICE_CONFIG_INFO = "grpc.client.service_config.info";

	// The starter's meters; Spring Boot's timers of the calls' and attempts' observations share the grpc_client_ prefix.
	private static final String STARTER_SERIES = "{__name__=~\"grpc_client_(attempts_total|calls_seconds_(count|sum)"
			+ "|call_.+_(count|sum)|retries_enabled|service_config_info)\"}";

	/**
	 * Expressions that compare the instances of an application: the sample is one, so they return nothing here;
	 * grpc-retry-alerts.test.yml makes them fire.
	 */
	private static final Set<String> SILENT_WITH_ONE_INSTANCE = Set
		.of("rule GrpcClientServiceConfigDiffersAcrossInstances");

	private static final Pattern PROMQL = Pattern.compile("```promql\\n(.*?)```", Pattern.DOTALL);

	private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");

	@Test
	void everyShippedExpressionReturnsTheFiguresTheMetersHold(@TempDir Path directory) throws Exception {
		List<Shipped> shipped = shippedExpressions();
		Map<String, Expectation> expectations = expectations();
		assertThat(shipped).extracting(Shipped::key)
			.as("every shipped expression has an expectation below, and every expectation an expression")
			.containsExactlyInAnyOrderElementsOf(expectations.keySet());

		int alwaysFailingPort = PrometheusServer.freePort();
		FailingEchoServer alwaysFailing = new FailingEchoServer(new SampleProperties(alwaysFailingPort,
				SampleProperties.Mode.RETRY, 0, Integer.MAX_VALUE, io.grpc.Status.Code.UNAVAILABLE, Duration.ZERO,
				Duration.ZERO));
		alwaysFailing.start();
		try (ConfigurableApplicationContext app = SpringApplication.run(SampleApplication.class,
				applicationArguments(alwaysFailingPort))) {
			MeterRegistry registry = app.getBean(MeterRegistry.class);
			EchoGrpc.EchoBlockingStub throttled = EchoGrpc.newBlockingStub(BeanFactoryAnnotationUtils
				.qualifiedBeanOfType(app.getBeanFactory(), ManagedChannel.class, THROTTLED));
			// Round 1, before Prometheus: the sample's 10 calls at start-up, and 4 calls of which the throttle lets
			// the first retry once (3 tokens: 2 left is above half, 1 is not), then none.
			callFailing(throttled, 4);
			MeterFigures before = settled(registry, 10, 4);
			assertThat(calls(before, THROTTLED)).containsEntry("failed_with_retry", 1.0)
				.containsEntry("failed_without_retry", 3.0);
			int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
			try (PrometheusServer prometheus = PrometheusServer.scraping(port, ALERTING_RULES, directory)) {
				awaitScrapes(prometheus, 3);
				// Round 2: the sample's calls again, each retried 3 times; the throttled client no longer retries.
				app.getBean(EchoCalls.class).run(new DefaultApplicationArguments());
				callFailing(throttled, 4);
				MeterFigures after = settled(registry, 20, 8);
				double settledAt = PrometheusServer.now();
				assertThat(after.series()).as("series that appeared after Prometheus's first scrape")
					.isEqualTo(before.series());
				MeterFigures window = after.minus(before);
				assertThat(calls(window, THROTTLED)).containsEntry("failed_without_retry", 4.0);
				double time = awaitScrapesAfter(prometheus, settledAt, 3);

				assertRawSeries(prometheus, after, time);
				Set<String> returningFigures = new TreeSet<>();
				for (Shipped expression : shipped) {
					Expectation expectation = expectations.get(expression.key());
					List<String> clients = expression.source().equals("dashboard") ? clients(after) : List.of("");
					for (String client : clients) {
						String query = expression.source().equals("dashboard")
								? dashboardQuery(expression.expression(), client) : expression.expression();
						MeterFigures windowed = client.isEmpty() ? window : window.client(client);
						MeterFigures total = client.isEmpty() ? after : after.client(client);
						Grouped expected = expectation.figures(windowed, total);
						assertSameFigures(expression.key() + (client.isEmpty() ? "" : " ($client=" + client + ")"),
								query, prometheus.query(query, time), expected);
						if (!expected.values().isEmpty()) {
							returningFigures.add(expression.key());
						}
					}
				}
				assertThat(returningFigures).as("expressions that return figures with the test's calls, not nothing")
					.containsExactlyInAnyOrderElementsOf(expectations.keySet()
						.stream()
						.filter((key) -> !SILENT_WITH_ONE_INSTANCE.contains(key))
						.toList());
				assertDashboardVariables(prometheus, after, time);
				assertThat(prometheus.ruleHealth()).as("alerting rules loaded and evaluated by Prometheus")
					.containsOnlyKeys(AlertingRulesTests.alertNames())
					.allSatisfy((rule, health) -> assertThat(health).as(rule).isEqualTo("ok"));
			}
		}
		finally {
			alwaysFailing.stop();
		}
	}

	/**
	 * What each shipped expression must return, from the meters: {@code window} holds what the second round added,
	 * what a rate over it counts; {@code total} what the meters hold at its end, what an instant selector sees.
	 */
	private static Map<String, Expectation> expectations() {
		Map<String, Expectation> expectations = new LinkedHashMap<>();
		expectations.put(documented("""
				sum by (client, method) (rate(grpc_client_calls_seconds_count{outcome="success_with_retry"}[5m]))
				  /
				sum by (client, method) (rate(grpc_client_calls_seconds_count[5m]))"""),
				(window, total) -> successWithRetryShare(window));
		expectations.put(documented("""
				sum by (client) (rate(grpc_client_attempts_total[5m])) / sum by (client) (rate(grpc_client_calls_seconds_count[5m]))"""),
				(window, total) -> window.select(ATTEMPTS, COUNT)
					.sumBy("client")
					.dividedBy(window.select(CALLS, COUNT).sumBy("client")));
		expectations.put(documented("""
				sum by (retry_stop) (rate(grpc_client_calls_seconds_count{client="echo"}[5m]))"""),
				(window, total) -> window.client("echo")
					.select(CALLS, COUNT)
					.sumBy("retry_stop")
					.perSecond(Duration.ofMinutes(5)));
		expectations.put("rule GrpcClientRetryStorm", (window, total) -> attemptsPerCall(window).above(1.5));
		expectations.put("rule GrpcClientCallsSucceedingOnlyThroughRetries",
				(window, total) -> successWithRetryShare(window).above(0.2));
		expectations.put("rule GrpcClientBackendFailingBehindRetries",
				(window, total) -> failingAttemptShare(window).above(0.5)
					.and(window.select(CALLS, COUNT)
						.where("outcome", "success_with_retry", "success_without_retry")
						.sumBy("client", "method")
						.dividedBy(callsByClientAndMethod(window))
						.above(0.95)));
		expectations.put("rule GrpcClientRetryThrottlingEngaged",
				(window, total) -> window.select(CALLS, COUNT)
					.where("outcome", "failed_without_retry")
					.where("status", "UNAVAILABLE")
					.sumBy("client", "method")
					.dividedBy(callsByClientAndMethod(window))
					.above(0.05)
					.and(total.select(ATTEMPTS, COUNT).where("kind", "retry").sumBy("client", "method")));
		expectations.put(documented("sum by (job, client) (grpc_client_retries_enabled)"),
				(window, total) -> total.select(RETRIES_ENABLED, VALUE).sumBy("client"));
		expectations.put(documented("""
				count by (job, client) (group by (job, client, digest) (grpc_client_service_config_info == 1))"""),
				(window, total) -> serviceConfigsRunning(total));
		expectations.put(documented("count by (job, client, digest) (grpc_client_service_config_info == 1)"),
				(window, total) -> instancesByDigest(total));
		// One instance runs one service config of each client: never two digests.
		expectations.put("rule GrpcClientServiceConfigDiffersAcrossInstances",
				(window, total) -> serviceConfigsRunning(total).above(1));
		expectations.put("dashboard Calls per second by outcome / A",
				(window, total) -> window.select(CALLS, COUNT)
					.sumBy("client", "method", "outcome")
					.perSecond(RATE_INTERVAL));
		expectations.put("dashboard Attempts per second by kind and status / A",
				(window, total) -> window.select(ATTEMPTS, COUNT)
					.sumBy("client", "method", "kind", "status")
					.perSecond(RATE_INTERVAL));
		expectations.put("dashboard Calls that succeeded only through a retry or hedge / A",
				(window, total) -> successWithRetryShare(window));
		expectations.put("dashboard Attempts per call / A", (window, total) -> attemptsPerCall(window));
		expectations.put("dashboard Retries per call / A",
				(window, total) -> window.select(RETRIES, TOTAL)
					.sumBy("client", "method")
					.dividedBy(window.select(RETRIES, COUNT).sumBy("client", "method")));
		expectations.put("dashboard Retries per call / B",
				(window, total) -> window.select(RETRIES, TOTAL)
					.sumBy("client", "method")
					.dividedBy(callsByClientAndMethod(window)));
		expectations.put("dashboard Retry delay per call / A",
				(window, total) -> window.select(RETRY_DELAY, TOTAL)
					.sumBy("client", "method")
					.dividedBy(window.select(RETRY_DELAY, COUNT).sumBy("client", "method")));
		expectations.put("dashboard Attempts failing / A", (window, total) -> failingAttemptShare(window));
		expectations.put("dashboard Calls failed without a retry, by status / A",
				(window, total) -> window.select(CALLS, COUNT)
					.where("outcome", "failed_without_retry")
					.sumBy("client", "method", "status")
					.perSecond(RATE_INTERVAL));
		expectations.put("dashboard Failed calls by why they stopped / A",
				(window, total) -> window.select(CALLS, COUNT)
					.where("outcome", "failed_with_retry", "failed_without_retry")
					.sumBy("client", "method", "retry_stop")
					.perSecond(RATE_INTERVAL));
		expectations.put("dashboard Instances whose calls may retry / A",
				(window, total) -> total.select(RETRIES_ENABLED, VALUE).sumBy("client"));
		expectations.put("dashboard Instances whose calls may retry / B",
				(window, total) -> total.select(RETRIES_ENABLED, VALUE).countBy("client"));
		expectations.put("dashboard Service configs running / A", (window, total) -> serviceConfigsRunning(total));
		expectations.put("dashboard Service configs running / B", (window, total) -> instancesByDigest(total));
		return expectations;
	}

	/** How many instances run each digest of a client's service config: the gauges at 1. */
	private static Grouped instancesByDigest(MeterFigures total) {
		return total.select(SERVICE_CONFIG_INFO, VALUE).valued(1).countBy("client", "digest");
	}

	/** How many different service configs of a client run. */
	private static Grouped serviceConfigsRunning(MeterFigures total) {
		return instancesByDigest(total).countBy("client");
	}

	private static Grouped callsByClientAndMethod(MeterFigures figures) {
		return figures.select(CALLS, COUNT).sumBy("client", "method");
	}

	private static Grouped attemptsPerCall(MeterFigures window) {
		return window.select(ATTEMPTS, COUNT).sumBy("client", "method").dividedBy(callsByClientAndMethod(window));
	}

	private static Grouped successWithRetryShare(MeterFigures window) {
		return window.select(CALLS, COUNT)
			.where("outcome", "success_with_retry")
			.sumBy("client", "method")
			.dividedBy(callsByClientAndMethod(window));
	}

	private static Grouped failingAttemptShare(MeterFigures window) {
		return window.select(ATTEMPTS, COUNT)
			.whereNot("status", "OK", "CANCELLED")
			.sumBy("client", "method")
			.dividedBy(window.select(ATTEMPTS, COUNT).sumBy("client", "method"));
	}

	/** The {@code promql} blocks of the README and docs/, each rule's {@code expr}, each dashboard target's {@code expr}. */
	private static List<Shipped> shippedExpressions() throws Exception {
		List<Shipped> shipped = new ArrayList<>();
		List<Path> pages = new ArrayList<>(List.of(REPOSITORY.resolve("README.md")));
		try (Stream<Path> docs = Files.list(REPOSITORY.resolve("docs"))) {
			docs.filter((page) -> page.toString().endsWith(".md")).sorted().forEach(pages::add);
		}
		for (Path page : pages) {
			Matcher block = PROMQL.matcher(Files.readString(page));
			while (block.find()) {
				shipped.add(new Shipped("docs", documented(block.group(1)), block.group(1)));
			}
		}
		for (Map<String, Object> group : AlertingRulesTests.list(AlertingRulesTests.load(ALERTING_RULES).get("groups"))) {
			for (Map<String, Object> rule : AlertingRulesTests.list(group.get("rules"))) {
				String name = (String) ((rule.get("alert") != null) ? rule.get("alert") : rule.get("record"));
				shipped.add(new Shipped("rule", "rule " + name, (String) rule.get("expr")));
			}
		}
		String dashboard = Files.readString(DASHBOARD);
		List<Map<String, Object>> panels = JsonPath.read(dashboard, "$..panels[?(@.targets)]");
		for (Map<String, Object> panel : panels) {
			for (Map<String, Object> target : AlertingRulesTests.list(panel.get("targets"))) {
				shipped.add(new Shipped("dashboard", "dashboard " + panel.get("title") + " / " + target.get("refId"),
						(String) target.get("expr")));
			}
		}
		assertThat(JsonPath.<List<Object>>read(dashboard, "$..expr")).as("every expr of the dashboard is a panel target's")
			.hasSameSizeAs(shipped.stream().filter((expression) -> expression.source().equals("dashboard")).toList());
		return shipped;
	}

	private static String documented(String expression) {
		return "docs: " + expression.strip().replaceAll("\\s+", " ");
	}

	/** A dashboard expression as Grafana sends it with one client selected and all methods. */
	private static String dashboardQuery(String expression, String client) {
		String query = expression.replace("$__rate_interval", RATE_INTERVAL.toMinutes() + "m")
			.replace("$client", client)
			.replace("$method", ".*");
		assertThat(query).as("a Grafana variable the test does not know in %s", expression).doesNotContain("$");
		return query;
	}

	/** Each variable's {@code label_values(selector, label)} gives the tags the meters have. */
	private static void assertDashboardVariables(PrometheusServer prometheus, MeterFigures after, double time)
			throws Exception {
		List<Map<String, Object>> variables = JsonPath.read(Files.readString(DASHBOARD),
				"$.templating.list[?(@.type == 'query')]");
		assertThat(variables).isNotEmpty();
		for (Map<String, Object> variable : variables) {
			String definition = (String) variable.get("definition");
			Matcher labelValues = LABEL_VALUES.matcher(definition);
			assertThat(labelValues.matches()).as("a variable query the test can run: %s", definition).isTrue();
			String selector = labelValues.group(1);
			String label = labelValues.group(2);
			String metric = selector.replaceAll("\\{.*", "");
			// The values $client takes: clients that made calls (a client never called has only its gauges).
			List<String> clients = selector.contains("$client") ? clients(after.calls()) : List.of("");
			for (String client : clients) {
				MeterFigures selected = client.isEmpty() ? after : after.client(client);
				Set<String> expected = new TreeSet<>();
				for (Series series : selected.series()) {
					if (series.prometheusName().equals(metric)) {
						expected.add(series.tags().get(label));
					}
				}
				assertThat(prometheus.labelValues(label, selector.replace("$client", client), time - 60, time))
					.as("%s with $client=%s", definition, client)
					.isNotEmpty()
					.isEqualTo(expected);
			}
		}
	}

	/** Every series of the starter's meters in Prometheus holds what its meter holds, under the names the documentation gives. */
	private static void assertRawSeries(PrometheusServer prometheus, MeterFigures after, double time) throws Exception {
		Map<Map<String, String>, Double> expected = new LinkedHashMap<>();
		after.values().forEach((series, value) -> {
			Map<String, String> labels = new TreeMap<>(series.tags());
			labels.put("__name__", series.prometheusName());
			expected.put(labels, value);
		});
		assertSameFigures("the meters' series", "the starter's grpc_client_* series", prometheus
			.query(STARTER_SERIES, time), new Grouped(expected, false));
	}

	private static void assertSameFigures(String where, String query, Map<Map<String, String>, Double> actual,
			Grouped expected) {
		String description = String.format("%s%n%s%nPrometheus: %s%nmeters:     %s", where, query, actual,
				expected.values());
		assertThat(actual.keySet()).as(description).isEqualTo(expected.values().keySet());
		Double factor = null;
		for (Map.Entry<Map<String, String>, Double> entry : expected.values().entrySet()) {
			double meters = entry.getValue();
			double prometheus = actual.get(entry.getKey());
			if (!expected.extrapolated() || meters == 0) {
				assertThat(same(prometheus, meters)).as(description + "%n" + entry.getKey()).isTrue();
			}
			else {
				// rate() stretches the increase between its first and last sample to the edges of its range, by at
				// most 1.1 scrape intervals on each side: one factor for series scraped together, of at least 1.
				double stretch = prometheus / meters;
				assertThat(stretch).as(description + "%nextrapolation of " + entry.getKey()).isBetween(1.0, 1.5);
				if (factor == null) {
					factor = stretch;
				}
				assertThat(same(stretch, factor)).as(description + "%none extrapolation for all series").isTrue();
			}
		}
	}

	private static boolean same(double prometheus, double meters) {
		if (Double.isNaN(prometheus) || Double.isNaN(meters) || Double.isInfinite(meters)) {
			return Double.compare(prometheus, meters) == 0;
		}
		return Math.abs(prometheus - meters) <= 1e-9 * Math.max(Math.abs(prometheus), Math.abs(meters));
	}

	private static List<String> clients(MeterFigures figures) {
		return figures.series().stream().map((series) -> series.tags().get("client")).distinct().sorted().toList();
	}

	private static Map<String, Double> calls(MeterFigures figures, String client) {
		Map<String, Double> byOutcome = new TreeMap<>();
		figures.client(client).select(CALLS, COUNT).sumBy("outcome").values()
			.forEach((labels, count) -> byOutcome.put(labels.get("outcome"), count));
		return byOutcome;
	}

	private static void callFailing(EchoGrpc.EchoBlockingStub stub, int calls) {
		for (int i = 0; i < calls; i++) {
			try {
				stub.withDeadlineAfter(10, TimeUnit.SECONDS)
					.unaryEcho(EchoRequest.newBuilder().setMessage("throttled " + i).build());
				fail("the always failing server answered");
			}
			catch (StatusRuntimeException expected) {
				assertThat(expected.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
			}
		}
	}

	/** The meters once each client has recorded its calls (a call is recorded after its last attempt ended). */
	private static MeterFigures settled(MeterRegistry registry, int echoCalls, int throttledCalls) {
		AtomicReference<MeterFigures> settled = new AtomicReference<>();
		await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
			MeterFigures figures = MeterFigures.of(registry);
			assertThat(calls(figures, "echo").values().stream().mapToDouble(Double::doubleValue).sum())
				.as("echo calls recorded")
				.isEqualTo(echoCalls);
			assertThat(calls(figures, THROTTLED).values().stream().mapToDouble(Double::doubleValue).sum())
				.as(THROTTLED + " calls recorded")
				.isEqualTo(throttledCalls);
			settled.set(figures);
		});
		return settled.get();
	}

	private static void awaitScrapes(PrometheusServer prometheus, int scrapes) {
		String successful = "count_over_time(up{job=\"" + PrometheusServer.JOB + "\"}[1m]) "
				+ "and min_over_time(up{job=\"" + PrometheusServer.JOB + "\"}[1m]) == 1";
		await(scrapes + " successful scrapes of /actuator/prometheus").atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> prometheus.value(successful, PrometheusServer.now()) >= scrapes);
	}

	/** Waits for scrapes started after {@code since}, and returns the time of the last one. */
	private static double awaitScrapesAfter(PrometheusServer prometheus, double since, int scrapes) {
		String last = "timestamp(up{job=\"" + PrometheusServer.JOB + "\"} == 1)";
		return await(scrapes + " scrapes after the calls").atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> prometheus.value(last, PrometheusServer.now()), (time) -> time > since + scrapes - 1);
	}

	private static String[] applicationArguments(int alwaysFailingPort) throws Exception {
		String client = "--grpc.clients." + THROTTLED + ".";
		String policy = client + "method-config[0].retry-policy.";
		return new String[] { "--sample.port=" + PrometheusServer.freePort(), "--spring.main.web-application-type=servlet",
				"--server.port=0", "--server.address=127.0.0.1",
				client + "address=localhost:" + alwaysFailingPort, client + "negotiation-type=plaintext",
				client + "method-config[0].name[0].service=echo.Echo", policy + "max-attempts=4",
				policy + "initial-backoff=10ms", policy + "max-backoff=10ms", policy + "backoff-multiplier=1",
				policy + "retryable-status-codes=UNAVAILABLE", client + "retry-throttling.max-tokens=3",
				client + "retry-throttling.token-ratio=0.1" };
	}

	/** An expression as shipped: where it comes from, the key its expectation has, and its text. */
	private record Shipped(String source, String key, String expression) {

	}

	/** What an expression must return, computed from the meters. */
	@FunctionalInterface
	private interface Expectation {

		Grouped figures(MeterFigures window, MeterFigures total);

	}

}
