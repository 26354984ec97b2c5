package io.github.grpcretry.springgrpc;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application without Spring gRPC: the starter works as before and needs none of Spring gRPC's classes.
 */
class WithoutSpringGrpcTests {

	@Test
	void starterChannelsWorkAndAreCountedWhenNoSpringGrpcClassCanBeLoaded() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(EchoTestServer.Answer.ok()))) {
			new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class,
						SpringGrpcAttemptMetricsAutoConfiguration.class))
				.withClassLoader(new FilteredClassLoader("org.springframework.grpc", "org.springframework.boot.grpc"))
				.withBean(SimpleMeterRegistry.class)
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					assertThat(context).doesNotHaveBean("grpcRetrySpringGrpcAttemptMetricsCustomizer");
					ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
					EchoGrpc.newBlockingStub(channel).unaryEcho(EchoRequest.newBuilder().setMessage("hi").build());
					assertThat(new Meters(context.getBean(MeterRegistry.class)).attempts("client", "echo"))
						.isEqualTo(1);
				});
		}
	}

}
