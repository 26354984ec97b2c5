package io.github.grpcretry.sample;

import java.io.PrintStream;

import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The sample: an echo server in this JVM that fails on purpose, called through channels configured only in
 * {@code application.yml}. It prints each reply with why its call stopped, and the attempt metrics, then exits.
 * Spring Boot Actuator provides the {@link MeterRegistry} (Prometheus's), served at {@code /actuator/prometheus} when
 * the web application type is turned on ({@code --spring.main.web-application-type=servlet}), and the
 * {@code ObservationRegistry} that calls {@link RetryStopHandler}.
 */
@SpringBootApplication
@EnableConfigurationProperties(SampleProperties.class)
public class SampleApplication {

	@Bean
	FailingEchoServer failingEchoServer(SampleProperties properties) {
		return new FailingEchoServer(properties);
	}

	@Bean
	AttemptMetricsReport attemptMetricsReport(MeterRegistry registry) {
		return new AttemptMetricsReport(registry);
	}

	@Bean
	RetryStopHandler retryStopHandler() {
		return new RetryStopHandler();
	}

	@Bean
	EchoCalls echoCalls(SampleProperties properties, @Qualifier("echo") ManagedChannel retrying,
			@Qualifier("echo-hedging") ManagedChannel hedging, FailingEchoServer server, AttemptMetricsReport report,
			RetryStopHandler retryStops, Environment environment) {
		return new EchoCalls(properties, retrying, hedging, server, report, retryStops, sampleOutput(),
				() -> "http://localhost:" + environment.getProperty("local.server.port", "8080"));
	}

	private static PrintStream sampleOutput() {
		return System.out;
	}

	public static void main(String[] args) {
		System.exit(SpringApplication.exit(SpringApplication.run(SampleApplication.class, args)));
	}

}
