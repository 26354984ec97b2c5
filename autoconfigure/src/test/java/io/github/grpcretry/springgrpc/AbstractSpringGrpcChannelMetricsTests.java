package io.github.grpcretry.springgrpc;

import java.util.concurrent.atomic.AtomicInteger;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.PerCallSummaries;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.grpc.client.GrpcChannelFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every Spring Boot line's Spring gRPC gets from the starter: the channels its channel factory builds count
 * their attempts under the channel's name. Each line's subclass says how that line's Spring gRPC is configured.
 */
public abstract class AbstractSpringGrpcChannelMetricsTests {

	/** The channel name the tests configure. */
	protected static final String CHANNEL = "echo";

	private static final String SECRET = "s3cret-token";

	/**
	 * Spring gRPC's client auto-configurations on this line, the observation one included.
	 * @return the auto-configurations
	 */
	protected abstract AutoConfigurations springGrpcClient();

	/**
	 * Configures the channel named {@link #CHANNEL}, plaintext to the address, to retry {@code echo.Echo} up to 4
	 * attempts on {@code UNAVAILABLE}, the way a user of this line's Spring gRPC does.
	 * @param runner the runner to configure
	 * @param address the server's {@code host:port}
	 * @return the configured runner
	 */
	protected abstract ApplicationContextRunner retryingChannel(ApplicationContextRunner runner, String address);

	protected ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner().withConfiguration(springGrpcClient())
			.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class,
					SpringGrpcAttemptMetricsAutoConfiguration.class))
			.withBean(SimpleMeterRegistry.class);
	}

	@Test
	void attemptsOfAChannelFromSpringGrpcsFactoryEqualTheRequestsTheServerReceived() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.failAllButEvery(4))) {
			retryingChannel(contextRunner(), server.address()).run((context) -> {
				ManagedChannel channel = context.getBean(GrpcChannelFactory.class).createChannel(CHANNEL);
				callFiveTimes(channel);
				assertThat(server.requestCount()).isEqualTo(20);
				Meters meters = new Meters(context.getBean(MeterRegistry.class));
				assertThat(meters.attempts("client", CHANNEL)).isEqualTo(server.requestCount());
				assertThat(meters.attempts("client", CHANNEL, "kind", "retry")).isEqualTo(15);
				assertThat(meters.calls("client", CHANNEL, "outcome", "success_with_retry")).isEqualTo(5);
				PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
			});
		}
	}

	@Test
	void metricsOffCountsNoAttemptOfAChannelFromSpringGrpcsFactory() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.failAllButEvery(4))) {
			retryingChannel(contextRunner(), server.address()).withPropertyValues("grpc.client.metrics.enabled=false")
				.run((context) -> {
					assertThat(context).doesNotHaveBean(SpringGrpcAttemptMetricsCustomizer.class);
					ManagedChannel channel = context.getBean(GrpcChannelFactory.class).createChannel(CHANNEL);
					callFiveTimes(channel);
					// Still retried: only the counting is off.
					assertThat(server.requestCount()).isEqualTo(20);
					assertThat(context.getBean(MeterRegistry.class).find("grpc.client.attempts").meters()).isEmpty();
				});
		}
	}

	@Test
	void springGrpcsOwnObservationStillSeesEveryCall() {
		AtomicInteger observedCalls = new AtomicInteger();
		ObservationRegistry observations = ObservationRegistry.create();
		observations.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public void onStop(Observation.Context context) {
				observedCalls.incrementAndGet();
			}

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

		});
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.failAllButEvery(4))) {
			retryingChannel(contextRunner(), server.address())
				.withBean(ObservationRegistry.class, () -> observations)
				.run((context) -> {
					ManagedChannel channel = context.getBean(GrpcChannelFactory.class).createChannel(CHANNEL);
					callFiveTimes(channel);
					assertThat(observedCalls).hasValue(5);
					assertThat(new Meters(context.getBean(MeterRegistry.class)).attempts("client", CHANNEL))
						.isEqualTo(20);
				});
		}
	}

	@Test
	void aChannelMadeForAnAddressIsTaggedWithTheAddressWithoutItsCredentials() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()))) {
			String target = "dns://admin:" + SECRET + "@127.0.0.1:53/" + server.address();
			contextRunner().run((context) -> {
				ManagedChannel channel = context.getBean(GrpcChannelFactory.class).createChannel(target);
				callFiveTimes(channel);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(new Meters(registry).attempts("client", "dns://****@127.0.0.1:53/" + server.address()))
					.isEqualTo(5);
				assertThat(registry.getMeters()).flatMap((meter) -> meter.getId().getTags())
					.noneMatch((tag) -> tag.getValue().contains(SECRET));
			});
		}
	}

	@Test
	void channelsMadeForEveryDiscoveredInstanceKeepABoundedNumberOfClientTags() {
		int instances = SpringGrpcClientTags.MAX_ADDRESSES + 20;
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()))) {
			contextRunner().run((context) -> {
				GrpcChannelFactory channels = context.getBean(GrpcChannelFactory.class);
				for (int instance = 0; instance < instances; instance++) {
					// A distinct address per instance, each reaching the one server: grpc-java's DNS resolver does
					// not query the authority's server for an IP literal.
					String target = "dns://10.0.0." + instance + ":53/" + server.address();
					ManagedChannel channel = channels.createChannel(target);
					EchoGrpc.newBlockingStub(channel).unaryEcho(EchoRequest.newBuilder().setMessage("hi").build());
					channel.shutdownNow();
				}
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.find("grpc.client.attempts")
					.counters()
					.stream()
					.map((counter) -> counter.getId().getTag("client"))
					.distinct())
					.hasSize(SpringGrpcClientTags.MAX_ADDRESSES + 1)
					.contains("dns://10.0.0.0:53/" + server.address(), SpringGrpcClientTags.OTHER);
				Meters meters = new Meters(registry);
				assertThat(meters.attempts()).isEqualTo(instances);
				assertThat(meters.attempts("client", SpringGrpcClientTags.OTHER)).isEqualTo(20);
			});
		}
	}

	private static void callFiveTimes(ManagedChannel channel) {
		EchoGrpc.EchoBlockingStub echo = EchoGrpc.newBlockingStub(channel);
		for (int i = 0; i < 5; i++) {
			assertThat(echo.unaryEcho(EchoRequest.newBuilder().setMessage("hello " + i).build()).getMessage())
				.isEqualTo("hello " + i);
		}
	}

}
