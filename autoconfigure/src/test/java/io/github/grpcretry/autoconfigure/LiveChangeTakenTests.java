package io.github.grpcretry.autoconfigure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.grpcretry.actuate.GrpcClientDescriptor;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpoint;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpointWebExtension;
import io.github.grpcretry.internal.actuate.GrpcClientsView;
import io.github.grpcretry.internal.channel.GrpcChannelFactory;
import io.github.grpcretry.test.ControlledResolver;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.WritableEndpoint;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A change to a running channel counts as taken only when grpc-java accepted a name-resolver result carrying it, proved
 * against grpc-java itself: the requests a real server receives say which policy the channel holds. Until then the
 * change is pending (the switch answers 202, the counter says {@code pending}), and it is taken with the resolver's
 * next good result.
 */
class LiveChangeTakenTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	// Closing waits for the channel to terminate, and grpc-java shuts down the subchannels that idleness left 5 s
	// later: no wait for those where closing is not the subject.
	private static final String QUICK_CLOSE = "grpc.clients.echo.shutdown-grace-period=100ms";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class)
		.withPropertyValues("grpc.clients.echo.negotiation-type=plaintext", ENTRY_0 + "name[0].service=echo.Echo",
				ENTRY_0 + "retry-policy.max-attempts=4", ENTRY_0 + "retry-policy.initial-backoff=5ms",
				ENTRY_0 + "retry-policy.max-backoff=5ms", ENTRY_0 + "retry-policy.backoff-multiplier=1",
				ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE");

	@Test
	void aResolverThatHandsItsResultsOverFromItsOwnThreadResolvesTheChannel() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()));
				ControlledResolver resolver = ControlledResolver.register(true)) {
			this.contextRunner.withPropertyValues("grpc.clients.echo.address=" + resolver.target(server))
				.run((context) -> {
					EchoGrpc.newBlockingStub(channel(context))
						.withDeadlineAfter(5, TimeUnit.SECONDS)
						.unaryEcho(EchoRequest.newBuilder().setMessage("hi").build());
					assertThat(server.requestCount()).isEqualTo(1);

					// A change reaches grpc-java from such a resolver too.
					assertThat(switchRetries(context, "off").getStatus()).isEqualTo(200);
				});
		}
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "an error", "no address" })
	void aChangeWhileTheResolversLastResultIsBadWaitsForItsNextGoodResult(String lastResult) {
		try (EchoTestServer server = failing(); ControlledResolver resolver = ControlledResolver.register()) {
			this.contextRunner.withPropertyValues("grpc.clients.echo.address=" + resolver.target(server))
				.run((context) -> {
					failingCall(context);
					assertThat(server.requestCount()).isEqualTo(4);
					resolver.hold();
					if (lastResult.equals("an error")) {
						resolver.latest().fail();
					}
					else {
						resolver.latest().resolveToNothing();
					}

					WebEndpointResponse<Object> response = switchRetries(context, "off");
					assertThat(response.getStatus()).isEqualTo(202);
					GrpcClientDescriptor client = (GrpcClientDescriptor) response.getBody();
					assertThat(client.retries()).isEqualTo("off");
					assertThat(client.pendingServiceConfig()).isNotNull();
					assertThat(changes(context, "pending")).isEqualTo(1);
					assertThat(changes(context, "applied")).isZero();
					// The resolver was asked for a new result.
					assertThat(resolver.latest().refreshes()).isPositive();
					// grpc-java still holds the old policy, on the backend it had: the call is retried.
					failingCall(context);
					assertThat(server.requestCount()).isEqualTo(4 + 4);

					resolver.release();
					resolver.latest().resolve();
					await().atMost(Duration.ofSeconds(5)).until(() -> changes(context, "applied") == 1);
					assertThat(endpoint(context).client("echo").pendingServiceConfig()).isNull();
					failingCall(context);
					assertThat(server.requestCount()).isEqualTo(4 + 4 + 1);
				});
		}
	}

	@Test
	void aLateResultOfAResolverShutDownWhileIdleTakesNoChange() {
		try (EchoTestServer server = failing(); ControlledResolver resolver = ControlledResolver.register()) {
			this.contextRunner.withPropertyValues("grpc.clients.echo.address=" + resolver.target(server), QUICK_CLOSE)
				.run((context) -> {
					failingCall(context);
					resolver.hold();
					channel(context).enterIdle();
					ControlledResolver.Instance idle = resolver.latest();
					await().atMost(Duration.ofSeconds(5)).until(idle::isShutdown);

					// The change wakes the channel, whose new resolver holds its result back.
					assertThat(switchRetries(context, "off").getStatus()).isEqualTo(202);
					assertThat(resolver.latest()).isNotSameAs(idle);
					idle.resolve();
					assertThat(endpoint(context).client("echo").pendingServiceConfig()).isNotNull();
					assertThat(changes(context, "applied")).isZero();

					resolver.release();
					resolver.latest().resolve();
					await().atMost(Duration.ofSeconds(5)).until(() -> changes(context, "applied") == 1);
					int before = server.requestCount();
					failingCall(context);
					assertThat(server.requestCount()).isEqualTo(before + 1);
				});
		}
	}

	@Test
	void readingTheEndpointDoesNotWaitForAPendingSwitch() {
		try (EchoTestServer server = failing(); ControlledResolver resolver = ControlledResolver.register()) {
			this.contextRunner.withPropertyValues("grpc.clients.echo.address=" + resolver.target(server))
				.run((context) -> {
					failingCall(context);
					resolver.hold();
					resolver.latest().fail();
					GrpcClientsEndpoint endpoint = endpoint(context);
					CompletableFuture<WebEndpointResponse<Object>> switched = CompletableFuture
						.supplyAsync(() -> switchRetries(context, "off"));
					await().atMost(Duration.ofSeconds(5))
						.until(() -> context.getBean(GrpcClientsView.class).serviceConfig("echo").pendingChange() != null);
					assertThat(switched).isNotDone();

					GrpcClientDescriptor client = assertTimeoutPreemptively(Duration.ofMillis(500),
							() -> endpoint.client("echo"));
					assertThat(client.pendingServiceConfig()).isNotNull();
					assertThat(switched.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(202);
				});
		}
	}

	@Test
	void aChannelBuiltWhileRetriesAreOffIsCappedByTheConfiguredPolicy() {
		try (EchoTestServer server = failing()) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						ENTRY_0 + "retry-policy.max-attempts=6")
				.run((context) -> {
					assertThat(switchRetries(context, "off").getStatus()).isEqualTo(200);
					channel(context).shutdownNow();
					ManagedChannel rebuilt = context.getBean(GrpcChannelFactory.class).createChannel("echo");

					assertThat(switchRetries(context, "configured").getStatus()).isEqualTo(200);
					assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> EchoGrpc
						.newBlockingStub(rebuilt)
						.unaryEcho(EchoRequest.newBuilder().setMessage("hi").build()));
					assertThat(server.requestCount()).isEqualTo(6);
				});
		}
	}

	private static GrpcClientsEndpoint endpoint(AssertableApplicationContext context) {
		return WritableEndpoint.of(context.getBean(GrpcClientsView.class));
	}

	// The switch with the HTTP status it answers: 200 once taken, 202 while pending.
	private static WebEndpointResponse<Object> switchRetries(AssertableApplicationContext context, String retries) {
		return new GrpcClientsEndpointWebExtension(endpoint(context)).switchRetries("echo", retries);
	}

	private static EchoTestServer failing() {
		return EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)));
	}

	private static ManagedChannel channel(AssertableApplicationContext context) {
		return context.getBean("echoManagedChannel", ManagedChannel.class);
	}

	private static void failingCall(AssertableApplicationContext context) {
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> EchoGrpc
			.newBlockingStub(channel(context))
			.withDeadlineAfter(10, TimeUnit.SECONDS)
			.unaryEcho(EchoRequest.newBuilder().setMessage("hi").build()))
			.extracting((ex) -> ex.getStatus().getCode())
			.isEqualTo(Status.Code.UNAVAILABLE);
	}

	private static double changes(AssertableApplicationContext context, String result) {
		Counter counter = context.getBean(MeterRegistry.class)
			.find("grpc.client.service_config.changes")
			.tags("client", "echo", "source", "endpoint", "result", result)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

}
