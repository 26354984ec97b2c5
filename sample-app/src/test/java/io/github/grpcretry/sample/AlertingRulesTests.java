package io.github.grpcretry.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static io.github.grpcretry.sample.PrometheusBinaries.ALERTING_RULES;
import static io.github.grpcretry.sample.PrometheusBinaries.ALERTING_RULES_TESTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped alerting rules pass {@code promtool check rules}, and {@code promtool test rules} makes each alert fire
 * and stay silent. {@link PrometheusOperationsTests} evaluates the same expressions against the sample's meters.
 */
class AlertingRulesTests {

	@Test
	void rulesFilePassesPromtoolCheck() throws Exception {
		PrometheusBinaries.Result check = PrometheusBinaries.run(ALERTING_RULES.getParent(), "promtool", "check",
				"rules", ALERTING_RULES.getFileName().toString());
		assertThat(check.exitCode()).as(check.output()).isZero();
		assertThat(check.output()).contains("SUCCESS: " + alertNames().size() + " rules found");
	}

	@Test
	void promtoolTestsMakeEachAlertFireAndStaySilent() throws Exception {
		PrometheusBinaries.Result test = PrometheusBinaries.run(ALERTING_RULES_TESTS.getParent(), "promtool", "test",
				"rules", ALERTING_RULES_TESTS.getFileName().toString());
		assertThat(test.exitCode()).as(test.output()).isZero();
		assertThat(test.output()).contains("SUCCESS");
	}

	@Test
	void promtoolTestsCoverEveryAlert() throws IOException {
		Set<String> firing = new TreeSet<>();
		Set<String> silent = new TreeSet<>();
		for (Map<String, Object> test : list(load(ALERTING_RULES_TESTS).get("tests"))) {
			for (Map<String, Object> expectation : list(test.get("alert_rule_test"))) {
				String alert = (String) expectation.get("alertname");
				(list(expectation.get("exp_alerts")).isEmpty() ? silent : firing).add(alert);
			}
		}
		assertThat(firing).as("alerts some promtool test makes fire").isEqualTo(alertNames());
		assertThat(silent).as("alerts some promtool test expects silent").isEqualTo(alertNames());
	}

	static Set<String> alertNames() throws IOException {
		Set<String> names = new TreeSet<>();
		for (Map<String, Object> group : list(load(ALERTING_RULES).get("groups"))) {
			for (Map<String, Object> rule : list(group.get("rules"))) {
				names.add((String) rule.get("alert"));
			}
		}
		return names;
	}

	static Map<String, Object> load(Path yaml) throws IOException {
		return new Yaml().load(Files.readString(yaml));
	}

	@SuppressWarnings("unchecked")
	static List<Map<String, Object>> list(Object yaml) {
		return (yaml != null) ? (List<Map<String, Object>>) yaml : List.of();
	}

}
