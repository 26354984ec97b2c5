package io.github.grpcretry.springgrpc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.EchoTestServer.Request;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.CompositeChannelFactoryAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.grpc.client.GrpcChannelFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A channel that Spring Boot 4.1's gRPC client builds retries as its typed service config says, seen where a user
 * would see it: at a real grpc-java server. Spring Boot 4.1.0 alone writes 50ms as {@code "0.50000000s"}, drops a
 * method config without name, and leaves grpc-java's silent cap of 5 attempts in place.
 */
class SpringBootChannelRetryTests {

	private static final String ENTRY = "spring.grpc.client.channel.echo.service-config.method[0].";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, GrpcClientAutoConfiguration.class,
				CompositeChannelFactoryAutoConfiguration.class, SpringBootServiceConfigAutoConfiguration.class));

	@Test
	void retryWaitsTheInitialBackoffAsWrittenNotTenTimesIt() {
		try (EchoTestServer server = alwaysUnavailable()) {
			this.contextRunner
				.withPropertyValues(channel(server, "echo", ENTRY + "name[0].service=echo.Echo",
						ENTRY + "retry.max-attempts=4", ENTRY + "retry.initial-backoff=50ms",
						ENTRY + "retry.max-backoff=50ms", ENTRY + "retry.backoff-multiplier=1"))
				.run((context) -> withChannel(context.getBean(GrpcChannelFactory.class), "echo", (channel) -> {
					failingCalls(channel, 3);
					List<Duration> gaps = gaps(server);
					// Read as 500ms, every gap would be at least 400ms (grpc-java draws 0.8 to 1.2 times the bound).
					assertThat(gaps).hasSize(9)
						.allSatisfy((gap) -> assertThat(gap).isLessThan(Duration.ofMillis(300)));
				}));
		}
	}

	@Test
	void maxAttemptsAboveFiveAreAllMade() {
		try (EchoTestServer server = alwaysUnavailable()) {
			this.contextRunner
				.withPropertyValues(channel(server, "echo", ENTRY + "name[0].service=echo.Echo",
						ENTRY + "retry.max-attempts=6", ENTRY + "retry.initial-backoff=1ms",
						ENTRY + "retry.max-backoff=1ms", ENTRY + "retry.backoff-multiplier=1"))
				.run((context) -> withChannel(context.getBean(GrpcChannelFactory.class), "echo", (channel) -> {
					failingCalls(channel, 1);
					assertThat(server.requestCount()).isEqualTo(6);
				}));
		}
	}

	@Test
	void methodConfigWithoutNameGovernsEveryCall() {
		try (EchoTestServer server = alwaysUnavailable()) {
			this.contextRunner
				.withPropertyValues(channel(server, "echo", ENTRY + "retry.max-attempts=3",
						ENTRY + "retry.initial-backoff=1ms", ENTRY + "retry.max-backoff=1ms",
						ENTRY + "retry.backoff-multiplier=1"))
				.run((context) -> withChannel(context.getBean(GrpcChannelFactory.class), "echo", (channel) -> {
					failingCalls(channel, 1);
					assertThat(server.requestCount()).isEqualTo(3);
				}));
		}
	}

	@Test
	void defaultChannelsServiceConfigIsExactForATargetWithoutEntry() {
		String entry = "spring.grpc.client.channel.default.service-config.method[0].";
		try (EchoTestServer server = alwaysUnavailable()) {
			this.contextRunner
				.withPropertyValues(entry + "name[0].service=echo.Echo", entry + "retry.max-attempts=7",
						entry + "retry.initial-backoff=20ms", entry + "retry.max-backoff=20ms",
						entry + "retry.backoff-multiplier=1", entry + "retry.retryable-status-codes=UNAVAILABLE")
				.run((context) -> withChannel(context.getBean(GrpcChannelFactory.class),
						"static://" + server.address(), (channel) -> {
							failingCalls(channel, 1);
							// Read as 200ms, 6 gaps would take at least 960ms.
							assertThat(server.requestCount()).isEqualTo(7);
							assertThat(gaps(server)).allSatisfy(
									(gap) -> assertThat(gap).isLessThan(Duration.ofMillis(150)));
						}));
		}
	}

	private static void withChannel(GrpcChannelFactory factory, String target, Consumer<ManagedChannel> calls) {
		ManagedChannel channel = factory.createChannel(target);
		try {
			calls.accept(channel);
		}
		finally {
			channel.shutdownNow();
		}
	}

	private static void failingCalls(ManagedChannel channel, int calls) {
		EchoGrpc.EchoBlockingStub echo = EchoGrpc.newBlockingStub(channel);
		for (int i = 0; i < calls; i++) {
			EchoRequest request = EchoRequest.newBuilder().setMessage("call " + i).build();
			assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> echo.unaryEcho(request))
				.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
		}
	}

	// The time between one attempt of a call and the next, as the server received them.
	private static List<Duration> gaps(EchoTestServer server) {
		Map<String, List<Long>> arrivals = new LinkedHashMap<>();
		for (Request request : server.requests()) {
			arrivals.computeIfAbsent(request.message(), (message) -> new ArrayList<>()).add(request.receivedNanos());
		}
		List<Duration> gaps = new ArrayList<>();
		for (List<Long> call : arrivals.values()) {
			for (int i = 1; i < call.size(); i++) {
				gaps.add(Duration.ofNanos(call.get(i) - call.get(i - 1)));
			}
		}
		return gaps;
	}

	private static EchoTestServer alwaysUnavailable() {
		return EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)));
	}

	private static String[] channel(EchoTestServer server, String name, String... methodConfig) {
		List<String> properties = new ArrayList<>();
		properties.add("spring.grpc.client.channel." + name + ".target=static://" + server.address());
		properties.add(ENTRY + "retry.retryable-status-codes=UNAVAILABLE");
		properties.addAll(List.of(methodConfig));
		return properties.toArray(String[]::new);
	}

}
