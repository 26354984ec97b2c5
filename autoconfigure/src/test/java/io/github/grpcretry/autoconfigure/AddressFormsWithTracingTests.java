package io.github.grpcretry.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import brave.handler.MutableSpan;
import brave.propagation.TraceContext;
import brave.propagation.TraceContextOrSamplingFlags;
import io.github.grpcretry.autoconfigure.TracingTests.FinishedSpans;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.EchoTestServer.Request;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every address form the README lists, in an application with Actuator and Micrometer Tracing (Brave) as users have
 * them: Spring Boot's own observation and tracing auto-configurations, so that Micrometer Tracing's real handlers
 * see the starter's call and attempt observations, against a real grpc-java server reached by that form.
 */
class AddressFormsWithTracingTests {

	private static final String ATTEMPT = "grpc.client.attempt";

	private static final String CALL = "echo.Echo/UnaryEcho";

	@TempDir
	Path socketDirectory;

	@ParameterizedTest
	@EnumSource
	void retriedAndSingleAttemptCallsSucceedAreCountedAndFinishTheirSpans(AddressForm form) {
		// Request 1 fails, so the first call retries; the second call needs one attempt.
		try (EchoTestServer server = form.start(this.socketDirectory,
				(n) -> (n == 1) ? Answer.fail(Status.Code.UNAVAILABLE) : Answer.ok());
				ConfigurableApplicationContext context = start(form.address(server, this.socketDirectory))) {
			assertThat(context.getBeansOfType(DefaultTracingObservationHandler.class)).as("Boot's tracing handler")
				.isNotEmpty();
			EchoGrpc.EchoBlockingStub echo = EchoGrpc
				.newBlockingStub(context.getBean("echoManagedChannel", ManagedChannel.class))
				.withDeadlineAfter(10, TimeUnit.SECONDS);

			assertThat(echo.unaryEcho(request("retried")).getMessage()).isEqualTo("retried");
			assertThat(echo.unaryEcho(request("once")).getMessage()).isEqualTo("once");

			FinishedSpans spans = context.getBean(FinishedSpans.class);
			await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(spans.all()).hasSize(3));
			List<MutableSpan> calls = spans.named(CALL);
			assertThat(calls).hasSize(2)
				.allSatisfy((call) -> assertThat(call.kind()).isEqualTo(brave.Span.Kind.CLIENT));
			assertThat(spans.named(ATTEMPT)).singleElement().satisfies((retry) -> {
				assertThat(retry.parentId()).isEqualTo(calls.get(0).id());
				assertThat(retry.tag("grpc.attempt.kind")).isEqualTo("retry");
				assertThat(retry.tag("grpc.previous_rpc_attempts")).isEqualTo("1");
				assertThat(retry.tag("grpc.status_code")).isEqualTo("OK");
			});
			assertThat(server.requests()).extracting((received) -> traceContext(context, received).traceIdString())
				.containsExactly(calls.get(0).traceId(), calls.get(0).traceId(), calls.get(1).traceId());
			Meters meters = new Meters(context.getBean(MeterRegistry.class));
			assertThat(meters.attempts("kind", "initial")).isEqualTo(2);
			assertThat(meters.attempts("kind", "retry")).isEqualTo(1);
			assertThat(meters.calls("outcome", "success_with_retry")).isEqualTo(1);
			assertThat(meters.calls("outcome", "success_without_retry")).isEqualTo(1);
		}
	}

	private static ConfigurableApplicationContext start(String address) {
		String entry = "grpc.clients.echo.method-config[0].";
		List<String> properties = List.of("grpc.clients.echo.address=" + address,
				"grpc.clients.echo.negotiation-type=plaintext", entry + "name[0].service=echo.Echo",
				entry + "retry-policy.max-attempts=2", entry + "retry-policy.initial-backoff=10ms",
				entry + "retry-policy.max-backoff=10ms", entry + "retry-policy.backoff-multiplier=1",
				entry + "retry-policy.retryable-status-codes=UNAVAILABLE",
				// Spring Boot samples 10% of traces unless told otherwise.
				"management.tracing.sampling.probability=1.0");
		return new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
			.properties(properties.toArray(String[]::new))
			.run();
	}

	/** The trace context the server received, read as a Brave server would read it. */
	private static TraceContext traceContext(ConfigurableApplicationContext context, Request received) {
		TraceContextOrSamplingFlags extracted = context.getBean(brave.Tracing.class)
			.propagation()
			.<Metadata>extractor((headers, key) -> headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)))
			.extract(received.headers());
		assertThat(extracted.context()).as("trace context of request %d", received.number()).isNotNull();
		return extracted.context();
	}

	private static EchoRequest request(String message) {
		return EchoRequest.newBuilder().setMessage(message).build();
	}

	/** The address forms of the README, each with a server it reaches. */
	enum AddressForm {

		HOST_PORT, DNS, STATIC, UNIX, IN_PROCESS;

		EchoTestServer start(Path directory, IntFunction<Answer> script) {
			return switch (this) {
				case UNIX -> EchoTestServer.onUnixDomainSocket(socket(directory), script);
				case IN_PROCESS -> EchoTestServer.inProcess(inProcessName(directory), script);
				default -> EchoTestServer.onLoopback(script);
			};
		}

		String address(EchoTestServer server, Path directory) {
			return switch (this) {
				case HOST_PORT -> "127.0.0.1:" + server.port();
				case DNS -> "dns:///127.0.0.1:" + server.port();
				case STATIC -> "static://127.0.0.1:" + server.port();
				case UNIX -> "unix:" + socket(directory);
				case IN_PROCESS -> "in-process:" + inProcessName(directory);
			};
		}

		private static Path socket(Path directory) {
			return directory.resolve("echo.sock");
		}

		// Unique per test, as its temporary directory is.
		private static String inProcessName(Path directory) {
			return "address-forms-" + directory.getFileName();
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

		// Picked up by Spring Boot's Brave auto-configuration, as a reporter would be.
		@Bean
		FinishedSpans finishedSpans() {
			return new FinishedSpans();
		}

	}

}
