package io.github.grpcretry.sample;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs the sample as its README command does, on a free port, and checks what it prints.
 */
@ExtendWith(OutputCaptureExtension.class)
class SampleApplicationTests {

	@Test
	void retryDemoPrintsEveryReplyAndTheAttemptsTheServerSaw(CapturedOutput output) throws IOException {
		run("--sample.port=" + freePort());
		for (int i = 1; i <= 10; i++) {
			assertThat(output).containsPattern("call +" + i + ": reply \"hello " + i
					+ "\" .*server received 4 request\\(s\\), retry_stop=succeeded");
		}
		assertThat(output).containsPattern("initial +UNAVAILABLE +10")
			.containsPattern("retry +OK +10")
			.containsPattern("retry +UNAVAILABLE +20")
			.containsPattern("all attempts +40")
			.containsPattern("success_with_retry +OK +succeeded +10")
			.containsPattern("retries per call +total +30 in +10 call\\(s\\), mean +3.00")
			.contains("attempts per call: 4.00");
	}

	@Test
	void failurePatternAndCallCountAreOptions(CapturedOutput output) throws IOException {
		run("--sample.port=" + freePort(), "--sample.calls=3", "--sample.succeed-every=5");
		// Requests 1-4 fail call 1, request 5 answers call 2 at once, requests 6-9 fail call 3: the server fails more
		// often than the policy's 4 attempts ride out.
		assertThat(output)
			.containsPattern("call +1: FAILED UNAVAILABLE .*server received 4 request\\(s\\), retry_stop=max_attempts")
			.containsPattern("call +2: reply \"hello 2\" .*server received 1 request\\(s\\), retry_stop=succeeded")
			.containsPattern("call +3: FAILED UNAVAILABLE .*server received 4 request\\(s\\), retry_stop=max_attempts")
			.containsPattern("failed_with_retry +UNAVAILABLE +max_attempts +2")
			.containsPattern("success_without_retry +OK +succeeded +1")
			.containsPattern("all attempts +9")
			// The call answered at its first attempt made no retry, so it is not among the recorded calls.
			.containsPattern("retries per call +total +6 in +2 call\\(s\\), mean +3.00")
			.doesNotContain("call  4:");
	}

	@Test
	void aStatusThePolicyDoesNotRetryIsPrintedAsTheReason(CapturedOutput output) throws IOException {
		run("--sample.port=" + freePort(), "--sample.calls=4", "--sample.fail-with=INTERNAL");
		// The policy retries UNAVAILABLE only: each failing call ends at its first attempt.
		for (int i = 1; i <= 3; i++) {
			assertThat(output).containsPattern("call +" + i
					+ ": FAILED INTERNAL .*server received 1 request\\(s\\), retry_stop=status_not_retryable");
		}
		assertThat(output)
			.containsPattern("call +4: reply \"hello 4\" .*server received 1 request\\(s\\), retry_stop=succeeded")
			.containsPattern("failed_without_retry +INTERNAL +status_not_retryable +3")
			.containsPattern("all attempts +4");
	}

	@Test
	void hedgingDemoAnswersWithTheHedgeBeforeTheSlowFirstAttempt(CapturedOutput output) throws IOException {
		run("--sample.port=" + freePort(), "--sample.mode=hedging", "--sample.calls=3",
				"--sample.slow-first-attempt=5s");
		assertThat(output).containsPattern("call +1: reply \"hello 1\" +in +\\d{1,4} ms.*, retry_stop=succeeded")
			.containsPattern("hedge +OK +3")
			.containsPattern("initial +CANCELLED +3")
			.containsPattern("hedges per call +total +3 in +3 call\\(s\\)");
		assertThat(output).doesNotContainPattern("in +[5-9]\\d{3} ms");
	}

	@Test
	void liveDemoShowsTheIncidentSwitchChangingTheNextCalls(CapturedOutput output) throws Exception {
		int webPort = freePort();
		int samplePort = freePort();
		ExecutorService sample = Executors.newSingleThreadExecutor();
		try {
			Future<?> running = sample.submit(() -> run("--spring.profiles.active=live", "--server.port=" + webPort,
					"--sample.port=" + samplePort, "--sample.calls=40", "--sample.pause=100ms"));
			awaitOutput(output, "call  3:");
			assertThat(output).contains("curl -X POST -H 'Content-Type: application/json' -d '{\"retries\":\"off\"}'"
					+ " http://localhost:" + webPort + "/actuator/grpcclients/echo");
			HttpResponse<String> off = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://localhost:" + webPort + "/actuator/grpcclients/echo"))
					.header("Content-Type", "application/json")
					.POST(HttpRequest.BodyPublishers.ofString("{\"retries\":\"off\"}"))
					.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(off.statusCode()).isEqualTo(200);
			running.get(60, TimeUnit.SECONDS);
		}
		finally {
			sample.shutdownNow();
		}
		// Before the switch every call took 4 requests (3 failed, 1 answered); after it, one each. 40 calls leave the
		// switch, whose first request also starts the actuator's web stack, time to land on a slow machine.
		assertThat(output).containsPattern("call +1: reply \"hello 1\" .*server received 4 request")
			.containsPattern("call +40: .*server received 1 request")
			.contains("gRPC client 'echo': retries off by the grpcclients endpoint")
			// 3 of every 4 calls after it fail at their one attempt.
			.containsPattern("FAILED UNAVAILABLE .*server received 1 request\\(s\\), retry_stop=retries_off");
	}

	private static void awaitOutput(CapturedOutput output, String text) {
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(20))
			.untilAsserted(() -> assertThat(output).contains(text));
	}

	private static void run(String... args) {
		try (ConfigurableApplicationContext context = SpringApplication.run(SampleApplication.class, args)) {
			assertThat(context.isActive()).isTrue();
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
