package io.github.grpcretry.internal.channel;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.test.echo.EchoResponse;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A running channel takes a changed service config from {@link LiveServiceConfigResolverProvider}, as grpc-java takes
 * one from its name resolver: proved against grpc-java's own retries, on a real server on loopback that fails every
 * request, so that the requests it receives are the attempts grpc-java made.
 */
class LiveServiceConfigTests {

	private static final EchoRequest REQUEST = EchoRequest.newBuilder().setMessage("hello").build();

	private static final Duration TAKEN = Duration.ofSeconds(5);

	@ParameterizedTest
	@ValueSource(strings = { "%s", "dns:///%s", "static://%s" })
	void callsStartedAfterAChangeUseTheNewPolicyOnTheSameChannel(String targetFormat) throws Exception {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)))) {
			String target = StaticNameResolverProvider.target(targetFormat.formatted(server.address()));
			LiveServiceConfig config = new LiveServiceConfig(retrying(4, "0.01s"));
			ManagedChannel channel = channel(target, config);
			try {
				assertUnavailable(channel);
				assertThat(server.requestCount()).isEqualTo(4);

				assertThat(config.set(retrying(2, "0.01s"), TAKEN)).isTrue();
				assertUnavailable(channel);
				assertThat(server.requestCount()).isEqualTo(4 + 2);

				assertThat(config.set(Map.of(), TAKEN)).isTrue();
				assertUnavailable(channel);
				assertThat(server.requestCount()).isEqualTo(4 + 2 + 1);
			}
			finally {
				channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void theChannelsAuthorityIsTheTargetResolversOwn() throws Exception {
		for (String target : List.of("127.0.0.1:50051", "dns:///backend.example:443", "static:///10.0.0.1:443,10.0.0.2:443")) {
			ManagedChannel plain = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
			ManagedChannel live = channel(target, new LiveServiceConfig(Map.of()));
			try {
				assertThat(live.authority()).as(target).isEqualTo(plain.authority());
			}
			finally {
				plain.shutdownNow();
				live.shutdownNow();
			}
		}
	}

	@Test
	void aCallInFlightKeepsThePolicyItStartedWith() throws Exception {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)))) {
			LiveServiceConfig config = new LiveServiceConfig(retrying(3, "0.5s"));
			ManagedChannel channel = channel(server.address(), config);
			try {
				Ended ended = new Ended();
				EchoGrpc.newStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).unaryEcho(REQUEST, ended);
				await().atMost(Duration.ofSeconds(5)).until(() -> server.requestCount() == 1);

				// The call is in its first backoff of 0.5 s: retries go off for the calls that start from now on.
				assertThat(config.set(Map.of(), TAKEN)).isTrue();
				await().atMost(Duration.ofSeconds(10)).until(() -> ended.status != null);
				assertThat(ended.status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
				assertThat(server.requestCount()).isEqualTo(3);

				assertUnavailable(channel);
				assertThat(server.requestCount()).isEqualTo(3 + 1);
			}
			finally {
				channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void aChangeWhileTheChannelIsIdleReachesItsNextResolver() throws Exception {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)))) {
			LiveServiceConfig config = new LiveServiceConfig(retrying(4, "0.01s"));
			ManagedChannel channel = channel(server.address(), config);
			try {
				assertUnavailable(channel);
				assertThat(server.requestCount()).isEqualTo(4);

				// Idle, grpc-java shuts the resolver down, and would hand the call that wakes the channel the config
				// it had before: the change wakes the channel, whose new resolver hands it the new config.
				channel.enterIdle();
				await().atMost(Duration.ofSeconds(5)).until(() -> channel.getState(false) == ConnectivityState.IDLE);
				assertThat(config.set(retrying(3, "0.01s"), TAKEN)).isTrue();
				assertUnavailable(channel);
				assertThat(server.requestCount()).isEqualTo(4 + 3);
			}
			finally {
				channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void aChangedRetryThrottleKeepsItsTokensWhenTheChannelResolvesAgain() throws Exception {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)))) {
			LiveServiceConfig config = new LiveServiceConfig(Map.of());
			ManagedChannel channel = channel(server.address(), config);
			try {
				Map<String, Object> throttled = new HashMap<>(retrying(5, "0.005s"));
				throttled.put("retryThrottling", Map.of("maxTokens", 10.0, "tokenRatio", 0.1));
				assertThat(config.set(throttled, TAKEN)).isTrue();
				for (int i = 0; i < 6; i++) {
					assertUnavailable(channel);
					// Each call after the first wakes the channel, whose new resolver hands grpc-java the config.
					channel.enterIdle();
				}
				// Tokens 10 -> 6 over the first call's 4 retried attempts, 5 at its last; then every call's only
				// attempt takes them lower: a resolver that handed grpc-java another throttle with a result would
				// refill them, and every call would be retried.
				assertThat(server.requests()).extracting(EchoTestServer.Request::previousAttempts)
					.containsExactly(0, 1, 2, 3, 4, 0, 0, 0, 0, 0);
			}
			finally {
				channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
			}
		}
	}

	private static ManagedChannel channel(String target, LiveServiceConfig config) {
		ManagedChannelBuilder<?> builder = Grpc
			.newChannelBuilder(target, InsecureChannelCredentials.create(),
					LiveServiceConfigResolverProvider.registryFor(target, config, config.current(), false))
			.enableRetry();
		if (!config.get().isEmpty()) {
			builder.defaultServiceConfig(config.get());
		}
		ManagedChannel channel = builder.build();
		config.wakeWith(() -> channel.getState(true));
		return channel;
	}

	private static void assertUnavailable(ManagedChannel channel) {
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> EchoGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).unaryEcho(REQUEST))
			.extracting((ex) -> ex.getStatus().getCode())
			.isEqualTo(Status.Code.UNAVAILABLE);
	}

	// A service config as grpc-java takes it: numbers as Double, durations as "<seconds>s".
	private static Map<String, Object> retrying(int maxAttempts, String backoff) {
		return Map.of("methodConfig",
				List.of(Map.of("name", List.of(Map.of("service", "echo.Echo")), "retryPolicy",
						Map.of("maxAttempts", (double) maxAttempts, "initialBackoff", backoff, "maxBackoff", backoff,
								"backoffMultiplier", 1.0, "retryableStatusCodes", List.of("UNAVAILABLE")))));
	}

	private static final class Ended implements StreamObserver<EchoResponse> {

		private volatile Status status;

		@Override
		public void onNext(EchoResponse value) {
		}

		@Override
		public void onError(Throwable error) {
			this.status = Status.fromThrowable(error);
		}

		@Override
		public void onCompleted() {
			this.status = Status.OK;
		}

	}

}
