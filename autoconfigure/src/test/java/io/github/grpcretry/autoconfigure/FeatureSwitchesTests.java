package io.github.grpcretry.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.github.grpcretry.internal.actuate.GrpcClientsEndpoint;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpointWebExtension;
import io.github.grpcretry.internal.actuate.GrpcClientsView;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each feature with a cost or a behaviour of its own can be turned off by a property, as Spring Boot's own are,
 * proved by what a real call leaves behind; the endpoint is there only once exposed and not turned off; and each bean
 * the reference ({@code docs/configuration.md}) says a user may replace backs off for the user's.
 */
class FeatureSwitchesTests {

	private static final Pattern TABLE_ROW = Pattern.compile("\\| `([^`]+)` \\|");

	// Each bean the reference says backs off, with one of the application's own, under the name the application
	// would give it: any name for a type, the starter's own for the health contributor, which is found by name.
	private static final Map<String, Replacement> REPLACEABLE = Map.of("GrpcClientsView",
			new Replacement("myView", FeatureSwitchesTests::emptyView), "ServiceConfigChangeMeters",
			new Replacement("myChangeMeters", () -> new ServiceConfigChangeMeters(emptyRegistry())),
			"GrpcClientsEndpoint", new Replacement("myEndpoint", FeatureSwitchesTests::emptyEndpoint),
			"GrpcClientsEndpointWebExtension",
			new Replacement("myWebExtension", () -> new GrpcClientsEndpointWebExtension(emptyEndpoint())),
			"grpcClientsHealthContributor", new Replacement("grpcClientsHealthContributor", MyHealth::new));

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class)
		.withPropertyValues("grpc.clients.echo.negotiation-type=plaintext");

	// The Environment's converters as SpringApplication sets them, which read access values in kebab case (none).
	private final ApplicationContextRunner endpointRunner = this.contextRunner
		.withConfiguration(AutoConfigurations.of(GrpcClientsEndpointAutoConfiguration.class))
		.withInitializer((context) -> context.getEnvironment()
			.setConversionService(new ApplicationConversionService()))
		.withPropertyValues("grpc.clients.echo.address=127.0.0.1:1");

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
	void theEndpointIsThereOnlyOnceExposedAsSpringBootExposesEveryEndpoint() {
		this.endpointRunner.run((context) -> assertThat(context).doesNotHaveBean(GrpcClientsEndpoint.class)
			.doesNotHaveBean(GrpcClientsEndpointWebExtension.class));
		this.endpointRunner.withPropertyValues("management.endpoints.web.exposure.include=grpcclients")
			.run((context) -> assertThat(context).hasSingleBean(GrpcClientsEndpoint.class)
				.hasSingleBean(GrpcClientsEndpointWebExtension.class));
		this.endpointRunner
			.withPropertyValues("spring.jmx.enabled=true", "management.endpoints.jmx.exposure.include=grpcclients")
			.run((context) -> assertThat(context).hasSingleBean(GrpcClientsEndpoint.class));
	}

	@Test
	void accessNoneRemovesTheExposedEndpoint() {
		this.endpointRunner
			.withPropertyValues("management.endpoints.web.exposure.include=grpcclients",
					"management.endpoint.grpcclients.access=none")
			.run((context) -> assertThat(context).doesNotHaveBean(GrpcClientsEndpoint.class)
				.doesNotHaveBean(GrpcClientsEndpointWebExtension.class));
	}

	@Test
	void theReferenceNamesEveryBeanThatBacksOff() throws IOException {
		assertThat(documentedReplaceableBeans()).containsExactlyInAnyOrderElementsOf(REPLACEABLE.keySet());
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("replaceableBeans")
	void eachBeanThatBacksOffLeavesOnlyTheApplicationsOwn(String documented) {
		Replacement replacement = REPLACEABLE.get(documented);
		Object mine = replacement.bean().get();
		withBean(this.endpointRunner, replacement.name(), mine)
			.withPropertyValues("management.endpoints.web.exposure.include=grpcclients")
			.withConfiguration(AutoConfigurations.of(GrpcClientsHealthContributorAutoConfiguration.class))
			.run((context) -> {
				// Bean definitions are not overridden here: one of the starter's by that name would fail start-up.
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(replacement.name())).isSameAs(mine);
				assertThat(context.getBeanNamesForType(mine.getClass())).containsExactly(replacement.name());
			});
	}

	// Registered with its own type, by which the starter's conditions look for it.
	@SuppressWarnings("unchecked")
	private static <T> ApplicationContextRunner withBean(ApplicationContextRunner runner, String name, T bean) {
		return runner.withBean(name, (Class<T>) bean.getClass(), () -> bean);
	}

	static Stream<String> replaceableBeans() {
		return REPLACEABLE.keySet().stream().sorted();
	}

	// The first column of the reference's table of beans that back off.
	private static List<String> documentedReplaceableBeans() throws IOException {
		String reference = Files.readString(Path.of("../docs/configuration.md"));
		String section = reference.substring(reference.indexOf("\n## Turning features off"));
		String table = section.substring(section.indexOf("\n| bean |"));
		List<String> beans = new ArrayList<>();
		for (String line : table.lines().skip(3).toList()) {
			Matcher row = TABLE_ROW.matcher(line);
			if (!row.lookingAt()) {
				break;
			}
			beans.add(row.group(1));
		}
		return beans;
	}

	private static void call(AssertableApplicationContext context) {
		ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
		EchoGrpc.newBlockingStub(channel).unaryEcho(EchoRequest.newBuilder().setMessage("hi").build());
	}

	private static GrpcClientsView emptyView() {
		return new GrpcClientsView(new GrpcChannelFactory(new GrpcClientsProperties(Map.of()), (name) -> null,
				List.of()), (name) -> null);
	}

	private static GrpcClientsEndpoint emptyEndpoint() {
		return new GrpcClientsEndpoint(emptyView(), new StandardEnvironment());
	}

	private static ObjectProvider<MeterRegistry> emptyRegistry() {
		return new StaticListableBeanFactory()
			.getBeanProvider(MeterRegistry.class);
	}

	/**
	 * A bean of the application's that a starter's bean backs off for.
	 *
	 * @param name the name the application gives it
	 * @param bean makes it
	 */
	private record Replacement(String name, Supplier<Object> bean) {
	}

	/** The application's own health contributor, of a type of its own: the starter's is found by its name. */
	private static final class MyHealth {

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
