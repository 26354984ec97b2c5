package io.github.grpcretry.springgrpc;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.PerCallSummaries;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.client.ImportGrpcClients;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Boot 4.1's own gRPC client beside the starter: stubs from {@code @ImportGrpcClients} are counted, and one
 * application can use both kinds of channel, each counted under its own name.
 */
class SpringBootGrpcClientBesideStarterTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(SpringGrpcChannelMetricsTests.springBootGrpcClient())
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class,
				SpringGrpcAttemptMetricsAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class);

	@Test
	void stubFromImportGrpcClientsCountsItsAttemptsUnderItsChannelName() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.failAllButEvery(4))) {
			this.contextRunner.withUserConfiguration(EchoStubConfiguration.class)
				.withPropertyValues(SpringGrpcChannelMetricsTests.retryingChannelProperties(server.address()))
				.run((context) -> {
					EchoGrpc.EchoBlockingStub echo = context.getBean(EchoGrpc.EchoBlockingStub.class);
					call(echo, 5);
					assertThat(server.requestCount()).isEqualTo(20);
					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					assertThat(meters.attempts("client", "echo")).isEqualTo(server.requestCount());
					assertThat(meters.attempts("client", "echo", "kind", "retry")).isEqualTo(15);
				});
		}
	}

	@Test
	void starterChannelsAndSpringBootChannelsWorkSideBySideEachCountedUnderItsOwnName() {
		try (EchoTestServer bootServer = EchoTestServer.onLoopback(EchoTestServer.failAllButEvery(4));
				EchoTestServer starterServer = EchoTestServer.onLoopback(EchoTestServer.failAllButEvery(3))) {
			String entry = "grpc.clients.inventory.method-config[0].";
			this.contextRunner.withUserConfiguration(EchoStubConfiguration.class)
				.withPropertyValues(SpringGrpcChannelMetricsTests.retryingChannelProperties(bootServer.address()))
				.withPropertyValues("grpc.clients.inventory.address=" + starterServer.address(),
						"grpc.clients.inventory.negotiation-type=plaintext", entry + "name[0].service=echo.Echo",
						entry + "retry-policy.max-attempts=3", entry + "retry-policy.initial-backoff=10ms",
						entry + "retry-policy.max-backoff=10ms", entry + "retry-policy.backoff-multiplier=1.0",
						entry + "retry-policy.retryable-status-codes=UNAVAILABLE")
				.run((context) -> {
					call(context.getBean(EchoGrpc.EchoBlockingStub.class), 5);
					call(EchoGrpc.newBlockingStub(context.getBean("inventoryManagedChannel", ManagedChannel.class)), 4);
					assertThat(bootServer.requestCount()).isEqualTo(20);
					assertThat(starterServer.requestCount()).isEqualTo(12);
					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					assertThat(meters.attempts("client", "echo")).isEqualTo(bootServer.requestCount());
					assertThat(meters.attempts("client", "inventory")).isEqualTo(starterServer.requestCount());
					assertThat(meters.calls("client", "echo")).isEqualTo(5);
					assertThat(meters.calls("client", "inventory")).isEqualTo(4);
					PerCallSummaries.assertMatchAttempts(context.getBean(MeterRegistry.class));
				});
		}
	}

	private static void call(EchoGrpc.EchoBlockingStub echo, int times) {
		for (int i = 0; i < times; i++) {
			assertThat(echo.unaryEcho(EchoRequest.newBuilder().setMessage("hello " + i).build()).getMessage())
				.isEqualTo("hello " + i);
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ImportGrpcClients(target = "echo", types = EchoGrpc.EchoBlockingStub.class)
	static class EchoStubConfiguration {

	}

}
