package io.github.grpcretry.sample;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;

/**
 * The {@code prometheus} and {@code promtool} binaries the operations tests run, found on the {@code PATH}; a
 * machine without them fails the tests, saying how to install them, rather than skipping what CI must prove.
 */
final class PrometheusBinaries {

	/** The repository's root, from the sample module the tests run in. */
	static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();

	/** The alerting rules, their promtool tests and the dashboard, as shipped. */
	static final Path ALERTING_RULES = REPOSITORY.resolve("operations/prometheus/grpc-retry-alerts.yml");

	static final Path ALERTING_RULES_TESTS = REPOSITORY.resolve("operations/prometheus/grpc-retry-alerts.test.yml");

	static final Path DASHBOARD = REPOSITORY.resolve("operations/grafana/grpc-retry-dashboard.json");

	private PrometheusBinaries() {
	}

	static Path require(String name) {
		String path = System.getenv("PATH");
		if (path != null) {
			for (String directory : path.split(File.pathSeparator)) {
				Path candidate = Path.of(directory, name);
				if (Files.isExecutable(candidate)) {
					return candidate;
				}
			}
		}
		return fail("'" + name + "' is not on the PATH. The operations tests run a real Prometheus server and promtool: "
				+ "install both with 'sudo apt-get install prometheus' (Debian, Ubuntu; .ci/run does it), or put the "
				+ "prometheus and promtool binaries of a release from https://prometheus.io/download/ on the PATH");
	}

	/**
	 * Runs a command to its end and returns its exit code and output (stderr included).
	 */
	static Result run(Path directory, String... command) throws IOException, InterruptedException {
		List<String> line = new ArrayList<>(List.of(command));
		line.set(0, require(command[0]).toString());
		Process process = new ProcessBuilder(line).directory(directory.toFile()).redirectErrorStream(true).start();
		byte[] output = process.getInputStream().readAllBytes();
		if (!process.waitFor(60, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			return fail(String.join(" ", command) + " did not finish within 60 s");
		}
		return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
	}

	/** What a command printed and how it exited. */
	record Result(int exitCode, String output) {

	}

}
