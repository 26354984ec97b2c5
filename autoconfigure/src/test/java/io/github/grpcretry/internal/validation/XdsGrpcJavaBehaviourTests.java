package io.github.grpcretry.internal.validation;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.EchoTestServer.Request;
import io.github.grpcretry.test.GrpcJavaUnderTest;
import io.github.grpcretry.test.XdsControlPlane;
import io.github.grpcretry.test.XdsControlPlane.RouteRetries;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What grpc-java itself does with an {@code xds:} target, which the starter's rules for xds: clients rest on: the
 * control plane's route decides retries, a channel's own service config is not applied, and a retried request reaches
 * the server whole, but on grpc-java 1.83.0 and 1.83.1, which send it empty (grpc-java issue 13010): checked on the
 * grpc-java under test ({@link GrpcJavaUnderTest}).
 */
class XdsGrpcJavaBehaviourTests {

	private static final RouteRetries THREE_RETRIES = new RouteRetries(3, Duration.ofMillis(10));

	@Test
	void plainChannelReachesTheBackendThroughTheControlPlane() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()))) {
			String target = XdsControlPlane.shared().serve(XdsControlPlane.uniqueName("plain"), server.port(), null);
			ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
			try {
				assertThat(echo(channel).unaryEcho(request("hello")).getMessage()).isEqualTo("hello");
				assertThat(server.requestCount()).isEqualTo(1);
			}
			finally {
				shutdown(channel);
			}
		}
	}

	@Test
	void routeRetryPolicyRetriesAndEveryRetriedRequestArrivesWholeButOn1830And1831() {
		// On grpc-java 1.83.0 and 1.83.1 (profile grpc-java-1.83) each retry sends an empty request, and the server's
		// echo of the last one is the reply: why the starter refuses xds: clients there.
		String retried = GrpcJavaUnderTest.sendsRetriedXdsRequestsEmpty() ? "" : "hello 1";
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.failAllButEvery(4))) {
			String target = XdsControlPlane.shared()
				.serve(XdsControlPlane.uniqueName("route-retries"), server.port(), THREE_RETRIES);
			ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
			try {
				assertThat(echo(channel).unaryEcho(request("hello 1")).getMessage()).isEqualTo(retried);
				assertThat(server.requests()).extracting(Request::previousAttempts).containsExactly(0, 1, 2, 3);
				assertThat(server.requests()).extracting(Request::message)
					.containsExactly("hello 1", retried, retried, retried);
			}
			finally {
				shutdown(channel);
			}
		}
	}

	@Test
	void channelServiceConfigIsNotAppliedToAnXdsTarget() {
		// What a YAML method-config would be: a retry policy for every method, in the channel's default service
		// config, with lookup left on as the starter leaves it. The route has none, and the route decides.
		Map<String, ?> retryEverything = Map.of("methodConfig",
				List.of(Map.of("name", List.of(Map.of()), "retryPolicy",
						Map.of("maxAttempts", 4.0, "initialBackoff", "0.01s", "maxBackoff", "0.01s",
								"backoffMultiplier", 1.0, "retryableStatusCodes", List.of("UNAVAILABLE")))),
				"retryThrottling", Map.of("maxTokens", 10.0, "tokenRatio", 0.1));
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.failAllButEvery(4))) {
			String target = XdsControlPlane.shared()
				.serve(XdsControlPlane.uniqueName("channel-config"), server.port(), null);
			ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
				.defaultServiceConfig(retryEverything)
				.enableRetry();
			ManagedChannel channel = builder.build();
			try {
				assertThatExceptionOfType(StatusRuntimeException.class)
					.isThrownBy(() -> echo(channel).unaryEcho(request("hello")))
					.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
				assertThat(server.requestCount()).isEqualTo(1);
			}
			finally {
				shutdown(channel);
			}
		}
	}

	@Test
	void theStartersRuleRefusesXdsClientsExactlyOnTheGrpcJavaThatSendsRetriedRequestsEmpty() {
		// The test above shows what the grpc-java under test does; the rule must read that grpc-java and agree.
		String running = XdsTargets.runningGrpcJavaVersion();
		assertThat(running).isEqualTo(GrpcJavaUnderTest.version());
		assertThat(XdsTargets.sendsRetriedRequestsEmpty(running))
			.isEqualTo(GrpcJavaUnderTest.sendsRetriedXdsRequestsEmpty());
	}

	private static EchoGrpc.EchoBlockingStub echo(ManagedChannel channel) {
		return EchoGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
	}

	private static EchoRequest request(String message) {
		return EchoRequest.newBuilder().setMessage(message).build();
	}

	private static void shutdown(ManagedChannel channel) {
		channel.shutdownNow();
		try {
			channel.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
