package io.github.grpcretry.autoconfigure;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.github.grpcretry.actuate.ClientFigures;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpoint;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpointWebExtension;
import io.github.grpcretry.internal.actuate.GrpcClientsView;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.EchoTestServer.Request;
import io.github.grpcretry.test.GrpcJavaUnderTest;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.PerCallSummaries;
import io.github.grpcretry.test.StartupFailures;
import io.github.grpcretry.test.WritableEndpoint;
import io.github.grpcretry.test.XdsControlPlane;
import io.github.grpcretry.test.XdsControlPlane.RouteRetries;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ContextConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A starter client whose address is {@code xds:///<name>}, against a real xDS control plane on loopback: with default
 * settings its calls go where the control plane routes them, retried as the route's retry policy says, and every
 * attempt is counted as for any other client; the endpoint names the resolver as the config's source, and the
 * incident switch, which grpc-java would never apply there, is refused with the reason. On grpc-java 1.83.0 and 1.83.1,
 * which send every retried request of an xds: call empty (grpc-java issue 13010), each test asserts instead that the
 * starter refuses the client at start-up ({@link GrpcJavaUnderTest}, profile {@code grpc-java-1.83}).
 */
class XdsClientTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class);

	@Test
	void callsReachTheBackendTheControlPlaneNames() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()))) {
			String target = XdsControlPlane.shared().serve(XdsControlPlane.uniqueName("starter"), server.port(), null);
			runClient(target, (context) -> {
				for (int i = 1; i <= 3; i++) {
					assertThat(echo(context).unaryEcho(request("hello " + i)).getMessage()).isEqualTo("hello " + i);
				}
				assertThat(server.requestCount()).isEqualTo(3);
				Meters meters = meters(context);
				assertThat(meters.attempts("client", "echo", "kind", "initial", "status", "OK")).isEqualTo(3);
				assertThat(meters.attempts()).isEqualTo(3);
				assertThat(meters.calls("outcome", "success_without_retry")).isEqualTo(3);
			});
		}
	}

	@Test
	void routeRetryPolicyRetriesEveryRetriedRequestArrivesWholeAndEveryAttemptIsCounted() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.failAllButEvery(4))) {
			String target = XdsControlPlane.shared()
				.serve(XdsControlPlane.uniqueName("starter-retries"), server.port(),
						new RouteRetries(3, Duration.ofMillis(10)));
			runClient(target, (context) -> {
				for (int i = 0; i < 10; i++) {
					assertThat(echo(context).unaryEcho(request("hello " + i)).getMessage()).isEqualTo("hello " + i);
				}
				assertThat(server.requestCount()).isEqualTo(40);
				assertThat(server.requests()).extracting(Request::previousAttempts)
					.containsExactlyElementsOf(IntStream.range(0, 40).map((n) -> n % 4).boxed().toList());
				assertThat(server.requests()).extracting(Request::message)
					.containsExactlyElementsOf(IntStream.range(0, 40).mapToObj((n) -> "hello " + (n / 4)).toList());
				Meters meters = meters(context);
				assertThat(meters.attempts()).isEqualTo(server.requestCount());
				assertThat(meters.attempts("kind", "initial", "status", "UNAVAILABLE")).isEqualTo(10);
				assertThat(meters.attempts("kind", "retry", "status", "UNAVAILABLE")).isEqualTo(20);
				assertThat(meters.attempts("kind", "retry", "status", "OK")).isEqualTo(10);
				assertThat(meters.calls("outcome", "success_with_retry")).isEqualTo(10);
				assertThat(meters.calls()).isEqualTo(10);
				PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
			});
		}
	}

	@Test
	void callsOfARouteRetryPolicyStopAtMaxAttemptsThoughTheStarterCannotSeeThePolicy() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(
				Status.Code.UNAVAILABLE)))) {
			String target = XdsControlPlane.shared()
				.serve(XdsControlPlane.uniqueName("starter-stops"), server.port(), new RouteRetries(3,
						Duration.ofMillis(10)));
			runClient(target, (context) -> {
				for (int i = 0; i < 2; i++) {
					String message = "failing " + i;
					assertThatExceptionOfType(StatusRuntimeException.class)
						.isThrownBy(() -> echo(context).unaryEcho(request(message)));
				}
				// 3 retries each, as the route says.
				assertThat(server.requestCount()).isEqualTo(8);
				assertThat(meters(context).calls("retry_stop", "max_attempts")).isEqualTo(2);
				ClientFigures figures = WritableEndpoint.of(context.getBean(GrpcClientsView.class))
					.client("echo")
					.figures();
				assertThat(figures.callsByRetryStop()).containsEntry("max_attempts", 2L);
				// The control plane's routes govern the calls, not a method config of the starter's.
				assertThat(figures.methodConfig()).isEmpty();
				assertThat(figures.ungovernedCalls()).isEmpty();
			});
		}
	}

	@Test
	void theEndpointShowsTheResolverAsTheSourceAndTheSwitchIsRefusedWithTheReason() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()))) {
			String target = XdsControlPlane.shared().serve(XdsControlPlane.uniqueName("starter-switch"), server.port(),
					null);
			runClient(target, (context) -> {
				echo(context).unaryEcho(request("hello"));
				GrpcClientsEndpoint endpoint = WritableEndpoint.of(context.getBean(GrpcClientsView.class));
				assertThat(endpoint.client("echo").serviceConfigSource()).isEqualTo("resolver");

				WebEndpointResponse<Object> response = new GrpcClientsEndpointWebExtension(endpoint)
					.switchRetries("echo", "off");
				assertThat(response.getStatus()).isEqualTo(400);
				assertThat(response.getBody()).asString().contains("xDS control plane supplies");
				assertThat(endpoint.client("echo").retries()).isEqualTo("configured");
				assertThat(echo(context).unaryEcho(request("still")).getMessage()).isEqualTo("still");
			});
		}
	}

	// The assertions of an xds: client that starts; on 1.83.0 and 1.83.1, the start-up failure naming its address.
	private void runClient(String target, ContextConsumer<AssertableApplicationContext> assertions) {
		this.contextRunner.withPropertyValues(client(target)).run((context) -> {
			if (GrpcJavaUnderTest.sendsRetriedXdsRequestsEmpty()) {
				assertThat(context).hasFailed();
				StartupFailures.assertOnlyViolation(context.getStartupFailure(), "grpc.clients.echo.address", target);
			}
			else {
				assertions.accept(context);
			}
		});
	}

	private static String[] client(String target) {
		return new String[] { "grpc.clients.echo.address=" + target, "grpc.clients.echo.negotiation-type=plaintext" };
	}

	private static EchoGrpc.EchoBlockingStub echo(AssertableApplicationContext context) {
		ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
		return EchoGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
	}

	private static EchoRequest request(String message) {
		return EchoRequest.newBuilder().setMessage(message).build();
	}

	private static Meters meters(AssertableApplicationContext context) {
		return new Meters(context.getBean(MeterRegistry.class));
	}

}
