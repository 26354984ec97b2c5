package io.github.grpcretry.sample;

import java.io.IOException;
import java.net.ServerSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.aot.AotDetector;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.AnnotationConfigUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Runs the sample from the code that the build's {@code spring-boot:process-aot} generated (as
 * {@code java -Dspring.aot.enabled=true -jar} does, and a native image must), on this Boot line: the clients are
 * those of the build, their properties are read now.
 */
@ExtendWith(OutputCaptureExtension.class)
class SampleAotTests {

	@BeforeEach
	void useGeneratedCode() {
		System.setProperty(AotDetector.AOT_ENABLED, "true");
	}

	@AfterEach
	void useConfigurationClasses() {
		System.clearProperty(AotDetector.AOT_ENABLED);
	}

	@Test
	void callsAreRetriedAndCountedFromTheGeneratedCode(CapturedOutput output) throws IOException {
		try (ConfigurableApplicationContext context = run("--sample.port=" + freePort())) {
			// Configuration classes were not parsed: the bean definitions came from the generated code.
			assertThat(context.getBeanFactory()
				.containsBeanDefinition(AnnotationConfigUtils.CONFIGURATION_ANNOTATION_PROCESSOR_BEAN_NAME)).isFalse();
		}
		for (int i = 1; i <= 10; i++) {
			assertThat(output).containsPattern("call +" + i + ": reply \"hello " + i + "\" .*server received 4 request");
		}
		assertThat(output).containsPattern("initial +UNAVAILABLE +10")
			.containsPattern("retry +OK +10")
			.containsPattern("all attempts +40")
			.containsPattern("success_with_retry +OK +succeeded +10")
			.contains("attempts per call: 4.00");
	}

	@Test
	void policyIsReadAtRunTime(CapturedOutput output) throws IOException {
		// Fewer attempts than the build's application.yml: each call fails after 2 attempts, and 2 are counted. A list
		// comes whole from one source, so the command line gives the whole entry.
		String entry = "--grpc.clients.echo.method-config[0].";
		run("--sample.port=" + freePort(), "--sample.calls=2", entry + "name[0].service=echo.Echo",
				entry + "retry-policy.max-attempts=2", entry + "retry-policy.initial-backoff=10ms",
				entry + "retry-policy.max-backoff=10ms", entry + "retry-policy.backoff-multiplier=1",
				entry + "retry-policy.retryable-status-codes=UNAVAILABLE")
			.close();
		// The server fails 3 of every 4 requests: call 1 gets requests 1 and 2, call 2 gets 3 and 4.
		assertThat(output)
			.containsPattern("call +1: FAILED UNAVAILABLE .*server received 2 request.*retry_stop=max_attempts")
			.containsPattern("call +2: reply \"hello 2\" .*server received 2 request")
			.containsPattern("failed_with_retry +UNAVAILABLE +max_attempts +1")
			.containsPattern("all attempts +4");
	}

	@Test
	void clientAddedAfterTheBuildFailsStartupSayingToRebuild(CapturedOutput output) throws IOException {
		String port = "--sample.port=" + freePort();
		assertThatException().isThrownBy(() -> run(port, "--sample.calls=1", "--grpc.clients.late.address=localhost:1"));
		assertThat(output).contains("Property: grpc.clients.late.address")
			.contains("Value:    \"localhost:1\"")
			.contains("'late'")
			.contains("AOT processing")
			.containsPattern("grpc.clients.late.address: .*re-run AOT processing");
	}

	@Test
	void clientRemovedAfterTheBuildFailsStartupSayingToRebuild(CapturedOutput output) throws IOException {
		// The deployment's configuration lost client echo-hedging, which the build had and made a bean for.
		String port = "--sample.port=" + freePort();
		assertThatException().isThrownBy(() -> run(port, "--sample.calls=1",
				"--spring.config.location=classpath:/without-echo-hedging.yml"));
		assertThat(output).contains("Property: grpc.clients.echo-hedging")
			.contains("Value:    (not set)")
			.contains("'echo-hedging'")
			.contains("AOT processing")
			.containsPattern("grpc.clients.echo-hedging: .*re-run AOT processing");
	}

	private static ConfigurableApplicationContext run(String... args) {
		SpringApplication application = new SpringApplication(SampleApplication.class);
		// Spring Boot finds the generated initializer by the main class, which in a test is the test runner's.
		application.setMainApplicationClass(SampleApplication.class);
		return application.run(args);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
