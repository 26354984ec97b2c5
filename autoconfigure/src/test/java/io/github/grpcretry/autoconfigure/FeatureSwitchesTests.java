package io.github.grpcretry.autoconfigure;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.grpcretry.actuate.GrpcClientsView;
import io.github.grpcretry.internal.channel.GrpcChannelFactory;
import io.github.grpcretry.internal.metrics.ServiceConfigChangeMeters;
import io.github.grpcretry.internal.refresh.EnvironmentChangeListener;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each feature with a cost or a behaviour of its own can be turned off by a property, as Spring Boot's own are, and
 * each bean a user may replace backs off for the user's: proved by what a real call leaves behind.
 */
class FeatureSwitchesTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class)
		.withPropertyValues("grpc.clients.echo.negotiation-type=plaintext");

	@Test
	void everyFeatureIsOnByDefault() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()))) {
			Observed observed = new Observed();
			this.contextRunner.withPropertyValues("grpc.clients.echo.address=" + server.address())
				.withBean(ObservationRegistry.class, observed::registry)
				.run((context) -> {
					call(context);
					assertThat(context.getBean(MeterRegistry.class).find("grpc.client.attempts").counters())
						.isNotEmpty();
					assertThat(observed.names).contains("grpc.client");
					assertThat(context).hasSingleBean(ServiceConfigChangeMeters.class)
						.hasSingleBean(EnvironmentChangeListener.class);
					assertThat(context.getBean(GrpcClientsView.class).figures("echo")).isNotNull();
				});
		}
	}

	@Test
	void metricsOffCountsNothing() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()))) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + server.address(), "grpc.client.metrics.enabled=false")
				.run((context) -> {
					call(context);
					assertThat(server.requestCount()).isEqualTo(1);
					assertThat(context.getBean(MeterRegistry.class).getMeters()).isEmpty();
					assertThat(context).doesNotHaveBean(ServiceConfigChangeMeters.class);
					assertThat(context.getBean(GrpcClientsView.class).figures("echo")).isNull();
				});
		}
	}

	@Test
	void observationOffObservesNothing() {
		try (EchoTestServer server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()))) {
			Observed observed = new Observed();
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.client.observation.enabled=false")
				.withBean(ObservationRegistry.class, observed::registry)
				.run((context) -> {
					call(context);
					assertThat(observed.names).isEmpty();
					assertThat(context).doesNotHaveBean(CallObservationCustomizer.class);
					// The attempts are still counted.
					assertThat(context.getBean(MeterRegistry.class).find("grpc.client.attempts").counters())
						.isNotEmpty();
				});
		}
	}

	@Test
	void refreshOffLeavesRunningChannelsToARestart() {
		this.contextRunner.withPropertyValues("grpc.clients.echo.address=127.0.0.1:1", "grpc.client.refresh.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(EnvironmentChangeListener.class)
				.hasSingleBean(GrpcChannelFactory.class));
	}

	@Test
	void theViewAndTheChangeMetersBackOffForTheApplicationsOwn() {
		ServiceConfigChangeMeters meters = new ServiceConfigChangeMeters(emptyRegistry());
		this.contextRunner.withPropertyValues("grpc.clients.echo.address=127.0.0.1:1")
			.withBean("myChangeMeters", ServiceConfigChangeMeters.class, () -> meters)
			.withBean("myView", GrpcClientsView.class,
					() -> new GrpcClientsView(new GrpcChannelFactory(
							new GrpcClientsProperties(Map.of()), (name) -> null,
							List.of()), (name) -> null))
			.run((context) -> {
				assertThat(context).getBean(ServiceConfigChangeMeters.class).isSameAs(meters);
				assertThat(context).getBeanNames(GrpcClientsView.class).containsExactly("myView");
			});
	}

	private static void call(AssertableApplicationContext context) {
		ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
		EchoGrpc.newBlockingStub(channel).unaryEcho(EchoRequest.newBuilder().setMessage("hi").build());
	}

	private static ObjectProvider<MeterRegistry> emptyRegistry() {
		return new StaticListableBeanFactory()
			.getBeanProvider(MeterRegistry.class);
	}

	/** An observation registry that notes the name of each observation started. */
	private static final class Observed {

		private final List<String> names = new CopyOnWriteArrayList<>();

		ObservationRegistry registry() {
			ObservationRegistry registry = ObservationRegistry.create();
			registry.observationConfig().observationHandler(new ObservationHandler<>() {

				@Override
				public void onStart(Observation.Context context) {
					Observed.this.names.add(context.getName());
				}

				@Override
				public boolean supportsContext(Observation.Context context) {
					return true;
				}

			});
			return registry;
		}

	}

}
