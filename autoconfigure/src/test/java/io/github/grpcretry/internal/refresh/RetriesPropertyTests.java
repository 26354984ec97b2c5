package io.github.grpcretry.internal.refresh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.github.grpcretry.actuate.GrpcClientDescriptor;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpoint;
import io.github.grpcretry.internal.actuate.GrpcClientsView;
import io.github.grpcretry.properties.Retries;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.StartupFailures;
import io.github.grpcretry.test.WritableEndpoint;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The property {@code grpc.clients.<name>.retries}, without a bus: written in the application's configuration file
 * and changed by Spring Cloud's own refresh, it turns a running client's retries off and back on, as the incident
 * switch does; the endpoint's switch overrides it on the instance, and its {@code configured} drops the override. The
 * gauges and the endpoint show what runs: {@code grpc.client.retries.enabled} and the config's digest.
 */
@ExtendWith(OutputCaptureExtension.class)
class RetriesPropertyTests {

	private static final String CLIENT = "grpc.clients.echo.";

	private static final String ENTRY = CLIENT + "method-config[0].";

	@TempDir
	Path directory;

	@Test
	void retriesOffInTheConfigurationMakeEveryCallOneAttemptFromTheStart() throws IOException {
		try (EchoTestServer server = failing()) {
			write(server.address(), "retries=off");
			try (ConfigurableApplicationContext context = run()) {
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(1);
				GrpcClientDescriptor client = endpoint(context).client("echo");
				assertThat(client.retries()).isEqualTo("off");
				assertThat(client.retriesConfigured()).isEqualTo("off");
				assertThat(client.retriesOverridden()).isFalse();
				// The timeout stays; only the policy goes.
				assertThat(client.serviceConfig().toString()).contains("timeout=5s").doesNotContain("retryPolicy");
				assertThat(retriesEnabled(context)).isZero();
			}
		}
	}

	@Test
	void retriesOffInAnInProcessClientsConfigurationMakeEveryCallOneAttempt() throws IOException {
		try (EchoTestServer server = EchoTestServer
			.inProcess(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)))) {
			write(server.address(), "retries=off");
			try (ConfigurableApplicationContext context = run()) {
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(1);
				assertThat(retriesEnabled(context)).isZero();
			}
		}
	}

	@Test
	void aRefreshTurnsRetriesOffAndBackOn(CapturedOutput output) throws IOException {
		try (EchoTestServer server = failing()) {
			write(server.address());
			try (ConfigurableApplicationContext context = run()) {
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(4);
				assertThat(retriesEnabled(context)).isEqualTo(1);
				String retrying = digest(context);

				write(server.address(), "retries=off");
				assertThat(refresh(context)).containsExactly(CLIENT + "retries");
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(4 + 1);
				assertThat(retriesEnabled(context)).isZero();
				assertThat(digest(context)).isNotEqualTo(retrying);
				assertThat(output).contains("gRPC client 'echo': " + CLIENT + "retries changed by a refresh; retries"
						+ " off, as " + CLIENT + "retries says");

				write(server.address(), "retries=configured");
				refresh(context);
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(4 + 1 + 4);
				assertThat(retriesEnabled(context)).isEqualTo(1);
				assertThat(digest(context)).isEqualTo(retrying);
			}
		}
	}

	@Test
	void theEndpointsOffOverridesTheConfigurationUntilItsConfiguredDropsTheOverride() throws IOException {
		try (EchoTestServer server = failing()) {
			write(server.address());
			try (ConfigurableApplicationContext context = run()) {
				GrpcClientsEndpoint endpoint = endpoint(context);
				GrpcClientDescriptor switched = endpoint.switchRetries("echo", Retries.OFF);
				assertThat(switched.retries()).isEqualTo("off");
				assertThat(switched.retriesConfigured()).isEqualTo("configured");
				assertThat(switched.retriesOverridden()).isTrue();
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(1);

				// The configuration turns them off and back on: the override holds them off throughout.
				write(server.address(), "retries=off");
				refresh(context);
				write(server.address(), "retries=configured");
				refresh(context);
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(1 + 1);
				assertThat(endpoint.client("echo").retriesOverridden()).isTrue();

				GrpcClientDescriptor dropped = endpoint.switchRetries("echo", Retries.CONFIGURED);
				assertThat(dropped.retries()).isEqualTo("configured");
				assertThat(dropped.retriesOverridden()).isFalse();
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(1 + 1 + 4);
			}
		}
	}

	@Test
	void theEndpointsConfiguredReturnsToAConfigurationThatSaysOff(CapturedOutput output) throws IOException {
		try (EchoTestServer server = failing()) {
			write(server.address(), "retries=off");
			try (ConfigurableApplicationContext context = run()) {
				GrpcClientsEndpoint endpoint = endpoint(context);
				assertThat(endpoint.switchRetries("echo", Retries.OFF).retriesOverridden()).isTrue();
				GrpcClientDescriptor dropped = endpoint.switchRetries("echo", Retries.CONFIGURED);
				assertThat(dropped.retries()).isEqualTo("off");
				assertThat(dropped.retriesConfigured()).isEqualTo("off");
				assertThat(dropped.retriesOverridden()).isFalse();
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(1);
				assertThat(output).contains("gRPC client 'echo': the grpcclients endpoint dropped its override;"
						+ " retries stay off, as " + CLIENT + "retries says");
			}
		}
	}

	@Test
	void anUnknownValueFailsStartUpNamingThePropertyAndItsValues() throws IOException {
		try (EchoTestServer server = failing()) {
			write(server.address(), "retries=of");
			assertThatException().isThrownBy(this::run).satisfies((failure) -> {
				FailureAnalysis analysis = StartupFailures.analysis(failure);
				assertThat(analysis.getDescription()).contains(CLIENT + "retries").contains("of");
				assertThat(analysis.getDescription() + analysis.getAction()).containsIgnoringCase("configured")
					.containsIgnoringCase("off");
			});
		}
	}

	@Test
	void aRefreshWithAnUnknownValueIsRefusedNamingThePropertyAndRetriesStayAsTheyAre(CapturedOutput output)
			throws IOException {
		try (EchoTestServer server = failing()) {
			write(server.address());
			try (ConfigurableApplicationContext context = run()) {
				write(server.address(), "retries=of");
				refresh(context);
				assertThat(output).contains("was refused whole").contains(CLIENT + "retries = of");
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(4);
				assertThat(endpoint(context).client("echo").retriesConfigured()).isEqualTo("configured");
				// The same reading again is refused once; the value written right is applied.
				refresh(context);
				assertThat(output.toString().split("was refused whole", -1)).hasSize(2);
				write(server.address(), "retries=off");
				refresh(context);
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(4 + 1);
			}
		}
	}

	@Test
	void anInstanceRefreshedToAConfigShowsTheDigestOfOneStartedWithIt() throws IOException {
		try (EchoTestServer server = failing()) {
			// pick_first travels in the refreshed instance's service config, and is the started one's channel
			// default: the same config runs on both.
			write(server.address(), "load-balancing-policy=pick_first");
			String started;
			try (ConfigurableApplicationContext context = run()) {
				started = digest(context);
			}
			write(server.address(), ENTRY + "retry-policy.max-attempts=2");
			try (ConfigurableApplicationContext context = run()) {
				String before = digest(context);
				assertThat(before).isNotEqualTo(started);
				write(server.address(), "load-balancing-policy=pick_first");
				refresh(context);
				assertThat(digest(context)).isEqualTo(started);
				// One gauge: the replaced config's is removed.
				assertThat(context.getBean(MeterRegistry.class).find("grpc.client.service_config.info").gauges())
					.singleElement()
					.satisfies((gauge) -> {
						assertThat(gauge.getId().getTag("digest")).isEqualTo(started);
						assertThat(gauge.getId().getTag("client")).isEqualTo("echo");
						assertThat(gauge.value()).isEqualTo(1);
					});
			}
		}
	}

	private ConfigurableApplicationContext run() {
		// The application RefreshTests refreshes: Spring Cloud's refresh, the starter and a meter registry.
		return new SpringApplicationBuilder(RefreshTests.Application.class).web(WebApplicationType.NONE)
			.run("--spring.config.location=file:" + this.directory.resolve("application.properties"));
	}

	private static Set<String> refresh(ConfigurableApplicationContext context) {
		return context.getBean(ContextRefresher.class).refresh();
	}

	// Four attempts on UNAVAILABLE, a timeout, and the lines given (a line for the entry overrides its default).
	private void write(String address, String... lines) throws IOException {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put(CLIENT + "address", address);
		properties.put(CLIENT + "negotiation-type", "plaintext");
		properties.put(CLIENT + "shutdown-grace-period", "100ms");
		properties.put(ENTRY + "name[0].service", "echo.Echo");
		properties.put(ENTRY + "timeout", "5s");
		properties.put(ENTRY + "retry-policy.max-attempts", "4");
		properties.put(ENTRY + "retry-policy.initial-backoff", "5ms");
		properties.put(ENTRY + "retry-policy.max-backoff", "5ms");
		properties.put(ENTRY + "retry-policy.backoff-multiplier", "1");
		properties.put(ENTRY + "retry-policy.retryable-status-codes", "UNAVAILABLE");
		for (String line : lines) {
			String key = line.substring(0, line.indexOf('='));
			properties.put(key.startsWith("grpc.") ? key : CLIENT + key, line.substring(line.indexOf('=') + 1));
		}
		StringBuilder file = new StringBuilder();
		properties.forEach((key, value) -> file.append(key).append('=').append(value).append('\n'));
		Files.writeString(this.directory.resolve("application.properties"), file);
	}

	private static EchoTestServer failing() {
		return EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)));
	}

	private static GrpcClientsEndpoint endpoint(ConfigurableApplicationContext context) {
		return WritableEndpoint.of(context.getBean(GrpcClientsView.class));
	}

	private static String digest(ConfigurableApplicationContext context) {
		String digest = endpoint(context).client("echo").serviceConfigDigest();
		Gauge info = context.getBean(MeterRegistry.class)
			.get("grpc.client.service_config.info")
			.tag("client", "echo")
			.tag("digest", digest)
			.gauge();
		assertThat(info.value()).isEqualTo(1);
		return digest;
	}

	private static double retriesEnabled(ConfigurableApplicationContext context) {
		return context.getBean(MeterRegistry.class)
			.get("grpc.client.retries.enabled")
			.tag("client", "echo")
			.gauge()
			.value();
	}

	private static void failingCall(ConfigurableApplicationContext context) {
		ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> EchoGrpc.newBlockingStub(channel)
			.unaryEcho(EchoRequest.newBuilder().setMessage("hi").build()));
	}

}
