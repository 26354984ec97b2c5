package io.github.grpcretry.autoconfigure;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.grpcretry.internal.channel.GrpcChannelFactory;
import io.github.grpcretry.internal.metrics.AttemptMetricsInterceptor;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.InterceptorsSeen;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nothing that builds channels grows: asking the channel factory for a client again keeps no second channel or
 * interceptor alive, and its calls are still counted once.
 */
class ChannelRetentionTests {

	private static final String SERVER_NAME = "channel-retention-tests";

	private static final int TIMES = 1000;

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withPropertyValues("grpc.clients.echo.address=in-process:" + SERVER_NAME)
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new);

	private EchoTestServer server;

	@BeforeEach
	void startServer() {
		this.server = EchoTestServer.inProcess(SERVER_NAME, (n) -> Answer.ok());
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void askingAgainForAClientGivesItsOneLiveChannel() {
		this.contextRunner.run((context) -> {
			ManagedChannel bean = context.getBean("echoManagedChannel", ManagedChannel.class);
			GrpcChannelFactory factory = context.getBean(GrpcChannelFactory.class);
			for (int i = 0; i < TIMES; i++) {
				assertThat(factory.createChannel("echo")).isSameAs(bean);
			}
			echo(bean);
			assertThat(context.getBean(MeterRegistry.class).get("grpc.client.calls").timer().count()).isOne();
		});
	}

	@Test
	void channelsShutDownByTheirUserAreReplacedAndNotKept() {
		this.contextRunner.run((context) -> {
			GrpcChannelFactory factory = context.getBean(GrpcChannelFactory.class);
			// The bean, which the context holds, is the first channel its user shuts down.
			ManagedChannel bean = context.getBean("echoManagedChannel", ManagedChannel.class);
			echo(bean);
			bean.shutdown();
			List<WeakReference<ManagedChannel>> replaced = new ArrayList<>();
			for (int i = 1; i < TIMES; i++) {
				ManagedChannel channel = factory.createChannel("echo");
				assertThat(channel.isShutdown()).isFalse();
				echo(channel);
				channel.shutdown();
				assertThat(channel.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
				replaced.add(new WeakReference<>(channel));
			}
			ManagedChannel live = factory.createChannel("echo");
			assertThat(live.isShutdown()).isFalse();
			assertThat(replaced).noneMatch((channel) -> channel.get() == live);
			await().atMost(Duration.ofSeconds(20)).until(() -> {
				System.gc();
				return replaced.stream().allMatch((channel) -> channel.get() == null);
			});
			// Every call counted, once, by the client's one set of meters.
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("grpc.client.calls").timer().count()).isEqualTo(TIMES);
			assertThat(registry.get("grpc.client.attempts").counter().count()).isEqualTo(TIMES);
		});
	}

	@Test
	void eachClientHasOneInterceptorWhateverHowOftenItsChannelIsBuilt() {
		this.contextRunner.run((context) -> {
			AttemptMetricsCustomizer customizer = context.getBean(AttemptMetricsCustomizer.class);
			List<ClientInterceptor> echo = new ArrayList<>();
			for (int i = 0; i < TIMES; i++) {
				customizer.customize("echo", new InterceptorsSeen(echo));
			}
			assertThat(echo).hasSize(TIMES).containsOnly(echo.get(0));
			assertThat(echo.get(0)).isInstanceOf(AttemptMetricsInterceptor.class);
			List<ClientInterceptor> other = new ArrayList<>();
			customizer.customize("other", new InterceptorsSeen(other));
			assertThat(other).singleElement().isNotSameAs(echo.get(0));
		});
	}

	private static void echo(ManagedChannel channel) {
		EchoGrpc.newBlockingStub(channel)
			.withDeadlineAfter(10, TimeUnit.SECONDS)
			.unaryEcho(EchoRequest.newBuilder().setMessage("hello").build());
	}

}
