package io.github.grpcretry.actuate;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.grpcretry.actuate.GrpcClientDescriptor;
import io.github.grpcretry.autoconfigure.GrpcClientsEndpointAutoConfiguration;
import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpoint;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.logging.LoggingMeterRegistry;
import io.micrometer.core.instrument.logging.LoggingRegistryConfig;
import io.micrometer.core.instrument.simple.CountingMode;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The figures of the {@code grpcclients} endpoint are the client's since start on every kind of registry: a step
 * registry (Datadog, OTLP's delta mode, CloudWatch) reports one step's worth from its meters, a composite its first
 * child's.
 */
class ClientFiguresTests {

	private static final String SERVER_NAME = "client-figures-tests";

	private static final Duration STEP = Duration.ofMinutes(1);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(GrpcRetryAutoConfiguration.class, GrpcClientsEndpointAutoConfiguration.class))
		.withPropertyValues("grpc.clients.echo.address=in-process:" + SERVER_NAME,
				"grpc.clients.echo.method-config[0].name[0].service=echo.Echo",
				"grpc.clients.echo.method-config[0].retry-policy.max-attempts=3",
				"grpc.clients.echo.method-config[0].retry-policy.initial-backoff=1ms",
				"grpc.clients.echo.method-config[0].retry-policy.max-backoff=1ms",
				"grpc.clients.echo.method-config[0].retry-policy.backoff-multiplier=1",
				"grpc.clients.echo.method-config[0].retry-policy.retryable-status-codes=UNAVAILABLE",
				"management.endpoints.web.exposure.include=grpcclients");

	private EchoTestServer server;

	@BeforeEach
	void startServer() {
		// Request 2 fails once: the calls make 4 attempts, the second call succeeds by a retry.
		this.server = EchoTestServer.inProcess(SERVER_NAME,
				(n) -> (n == 2) ? Answer.fail(Status.Code.UNAVAILABLE) : Answer.ok());
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void stepRegistryOfTheApplicationShowsEveryCallBeforeItsFirstStepEnds() {
		this.contextRunner
			.withBean(MeterRegistry.class,
					() -> LoggingMeterRegistry.builder(LoggingRegistryConfig.DEFAULT).loggingSink((line) -> {
					}).build())
			.run((context) -> {
				callThreeTimes(context.getBean("echoManagedChannel", ManagedChannel.class));
				assertThreeCallsSinceStart(figures(context.getBean(GrpcClientsEndpoint.class)));
			});
	}

	@Test
	void stepRegistryShowsEveryCallSinceStartAfterSteps() {
		MockClock clock = new MockClock();
		this.contextRunner.withBean(MeterRegistry.class, () -> stepRegistry(clock)).run((context) -> {
			callThreeTimes(context.getBean("echoManagedChannel", ManagedChannel.class));
			GrpcClientsEndpoint endpoint = context.getBean(GrpcClientsEndpoint.class);
			assertThreeCallsSinceStart(figures(endpoint));
			clock.add(STEP);
			assertThreeCallsSinceStart(figures(endpoint));
			// A step with no call: the step registry's meters now say 0.
			clock.add(STEP);
			assertThreeCallsSinceStart(figures(endpoint));
		});
	}

	@Test
	void compositeOfSeveralRegistriesShowsEveryCallSinceStart() {
		MockClock clock = new MockClock();
		this.contextRunner.withBean(MeterRegistry.class, () -> {
			CompositeMeterRegistry composite = new CompositeMeterRegistry(Clock.SYSTEM);
			composite.add(stepRegistry(clock));
			composite.add(LoggingMeterRegistry.builder(LoggingRegistryConfig.DEFAULT).loggingSink((line) -> {
			}).build());
			return composite;
		}).run((context) -> {
			callThreeTimes(context.getBean("echoManagedChannel", ManagedChannel.class));
			GrpcClientsEndpoint endpoint = context.getBean(GrpcClientsEndpoint.class);
			assertThreeCallsSinceStart(figures(endpoint));
			clock.add(STEP.multipliedBy(2));
			assertThreeCallsSinceStart(figures(endpoint));
		});
	}

	@Test
	void cumulativeRegistryAgreesWithItsMeters() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run((context) -> {
			callThreeTimes(context.getBean("echoManagedChannel", ManagedChannel.class));
			assertThreeCallsSinceStart(figures(context.getBean(GrpcClientsEndpoint.class)));
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("grpc.client.calls").tag("outcome", "success_without_retry").timer().count())
				.isEqualTo(2);
			assertThat(registry.get("grpc.client.calls").tag("outcome", "success_with_retry").timer().count())
				.isOne();
			assertThat(registry.get("grpc.client.attempts").tag("kind", "retry").counter().count()).isEqualTo(1);
		});
	}

	private static SimpleMeterRegistry stepRegistry(MockClock clock) {
		return new SimpleMeterRegistry(new SimpleConfig() {

			@Override
			public @Nullable String get(String key) {
				return null;
			}

			@Override
			public CountingMode mode() {
				return CountingMode.STEP;
			}

			@Override
			public Duration step() {
				return STEP;
			}

		}, clock);
	}

	private static void callThreeTimes(ManagedChannel channel) {
		for (int i = 0; i < 3; i++) {
			EchoGrpc.newBlockingStub(channel)
				.withDeadlineAfter(10, TimeUnit.SECONDS)
				.unaryEcho(EchoRequest.newBuilder().setMessage("hello").build());
		}
	}

	private static ClientFigures figures(GrpcClientsEndpoint endpoint) {
		GrpcClientDescriptor client = endpoint.client("echo");
		assertThat(client).isNotNull();
		assertThat(client.figures()).isNotNull();
		return client.figures();
	}

	private static void assertThreeCallsSinceStart(ClientFigures figures) {
		assertThat(figures.calls()).isEqualTo(3);
		assertThat(figures.callsByOutcome()).isEqualTo(Map.of("success_without_retry", 2L, "success_with_retry", 1L,
				"failed_without_retry", 0L, "failed_with_retry", 0L));
		assertThat(figures.attempts())
			.isEqualTo(Map.of("initial", 3L, "retry", 1L, "hedge", 0L, "transparent_retry", 0L));
		assertThat(figures.successWithRetryShare()).isEqualTo(1.0 / 3);
	}

}
