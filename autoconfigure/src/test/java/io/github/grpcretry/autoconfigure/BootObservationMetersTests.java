package io.github.grpcretry.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.github.grpcretry.channel.RetryChannelBuilderCustomizer;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.test.echo.EchoResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.grpc.DefaultGrpcClientObservationConvention;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationContext;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationConvention;
import io.micrometer.core.instrument.binder.grpc.ObservationGrpcClientInterceptor;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.ObservationView;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The starter's channels in an application with Spring Boot's own metrics and observation auto-configuration, as
 * Actuator brings them: Spring Boot turns every observation into timers tagged by its low-cardinality keys.
 */
class BootObservationMetersTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(bootObservationAndMetrics()))
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class));

	@Test
	void methodsBuiltAtRunTimeGrowNoMeterFromTheCallObservations() {
		try (EchoTestServer server = EchoTestServer.inProcess(EchoTestServer.always(Answer.ok()))) {
			this.contextRunner.withPropertyValues(client(server)).run((context) -> {
				ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				callRunTimeBuiltMethods(channel, 0, 10);
				List<String> after10 = grpcMeters(registry);
				callRunTimeBuiltMethods(channel, 10, 300);
				List<String> after300 = grpcMeters(registry);
				assertThat(after300).hasSameSizeAs(after10).containsExactlyInAnyOrderElementsOf(after10);
				assertThat(registry.find("grpc.client").tag("rpc.method", "other").tag("rpc.service", "other").timer())
					.isNotNull()
					.satisfies((timer) -> assertThat(timer.count()).isEqualTo(300));
			});
		}
	}

	@Test
	void generatedMethodsKeepTheirNamesInTheCallTimers() {
		try (EchoTestServer server = EchoTestServer.inProcess(EchoTestServer.always(Answer.ok()))) {
			this.contextRunner.withPropertyValues(client(server)).run((context) -> {
				echo(context.getBean("echoManagedChannel", ManagedChannel.class));
				Timer timer = context.getBean(MeterRegistry.class).find("grpc.client").timer();
				assertThat(timer).isNotNull();
				assertThat(timer.getId().getTag("rpc.service")).isEqualTo("echo.Echo");
				assertThat(timer.getId().getTag("rpc.method")).isEqualTo("UnaryEcho");
			});
		}
	}

	@Test
	void usersConventionBeanTagsTheCallTimers() {
		try (EchoTestServer server = EchoTestServer.inProcess(EchoTestServer.always(Answer.ok()))) {
			this.contextRunner.withPropertyValues(client(server))
				.withBean(GrpcClientObservationConvention.class, TeamConvention::new)
				.run((context) -> {
					ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
					echo(channel);
					callRunTimeBuiltMethods(channel, 0, 3);
					MeterRegistry registry = context.getBean(MeterRegistry.class);
					assertThat(registry.find("grpc.client").timers()).isNotEmpty()
						.allSatisfy((timer) -> assertThat(timer.getId().getTag("team")).isEqualTo("payments"));
					assertThat(registry.find("grpc.client").tag("rpc.method", "UnaryEcho").timer()).isNotNull();
					// Bounded as well: the convention's own key that names the method says other.
					assertThat(registry.find("grpc.client").tag("rpc.method", "other").timer())
						.isNotNull()
						.satisfies((timer) -> assertThat(timer.getId().getTag("full.method")).isEqualTo("other"))
						.satisfies((timer) -> assertThat(timer.count()).isEqualTo(3));
				});
		}
	}

	@Test
	void channelCarryingMicrometersObservationInterceptorIsObservedOnceAndItsRetriesAreItsChildren() {
		try (EchoTestServer server = EchoTestServer.inProcess(EchoTestServer.failAllButEvery(3))) {
			this.contextRunner.withPropertyValues(retrying(server))
				.withBean(ObservationStarts.class)
				.withUserConfiguration(UsersObservationInterceptorConfiguration.class)
				.run((context) -> {
					ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
					echo(channel);
					assertThat(server.requestCount()).isEqualTo(3);
					MeterRegistry registry = context.getBean(MeterRegistry.class);
					assertThat(registry.find("grpc.client").timers()).singleElement()
						.satisfies((timer) -> assertThat(timer.getId().getTag("observed.by")).isEqualTo("user"))
						.satisfies((timer) -> assertThat(timer.count()).isEqualTo(1));
					List<Observation.Context> starts = context.getBean(ObservationStarts.class).started;
					assertThat(starts).filteredOn((started) -> started.getName().equals("grpc.client")).hasSize(1);
					Observation.Context call = starts.stream()
						.filter((started) -> started.getName().equals("grpc.client"))
						.findFirst()
						.orElseThrow();
					assertThat(starts).filteredOn((started) -> started.getName().equals("grpc.client.attempt"))
						.hasSize(2)
						.allSatisfy((attempt) -> assertThat(parentContext(attempt)).isSameAs(call));
					assertThat(new Meters(registry).attempts("kind", "retry")).isEqualTo(2);
				});
		}
	}

	private static Observation.ContextView parentContext(Observation.Context context) {
		ObservationView parent = context.getParentObservation();
		return (parent != null) ? parent.getContextView() : null;
	}

	// Spring Boot's own auto-configurations, from whichever module the Boot line under test keeps them in.
	private static Class<?>[] bootObservationAndMetrics() {
		List<Class<?>> found = new ArrayList<>();
		for (String name : List.of("org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
				"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
				"org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
				"org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration",
				"org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration")) {
			if (ClassUtils.isPresent(name, BootObservationMetersTests.class.getClassLoader())) {
				found.add(ClassUtils.resolveClassName(name, BootObservationMetersTests.class.getClassLoader()));
			}
		}
		assertThat(found).as("Spring Boot's metrics and observation auto-configurations").hasSize(4);
		return found.toArray(Class<?>[]::new);
	}

	private static List<String> grpcMeters(MeterRegistry registry) {
		return registry.getMeters()
			.stream()
			.map(Meter::getId)
			.filter((id) -> id.getName().startsWith("grpc."))
			.map((id) -> id.getName() + id.getTags())
			.toList();
	}

	// As a generic client or proxy builds them: each with its own service and method, not sampled to local tracing.
	private static void callRunTimeBuiltMethods(ManagedChannel channel, int from, int to) {
		MethodDescriptor<EchoRequest, EchoResponse> generated = EchoGrpc.getUnaryEchoMethod();
		for (int i = from; i < to; i++) {
			MethodDescriptor<EchoRequest, EchoResponse> method = MethodDescriptor
				.newBuilder(generated.getRequestMarshaller(), generated.getResponseMarshaller())
				.setType(MethodDescriptor.MethodType.UNARY)
				.setFullMethodName("dynamic" + i + ".Service/Method" + i)
				.build();
			StatusRuntimeException unimplemented = catchThrowableOfType(StatusRuntimeException.class,
					() -> ClientCalls.blockingUnaryCall(channel, method,
							CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request()));
			assertThat(unimplemented).isNotNull();
		}
	}

	private static void echo(ManagedChannel channel) {
		EchoGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).unaryEcho(request());
	}

	private static EchoRequest request() {
		return EchoRequest.newBuilder().setMessage("observed").build();
	}

	private static String[] client(EchoTestServer server) {
		return new String[] { "grpc.clients.echo.address=" + server.address(),
				"grpc.clients.echo.negotiation-type=plaintext" };
	}

	// Up to 3 attempts, 10 ms apart, on UNAVAILABLE.
	private static String[] retrying(EchoTestServer server) {
		List<String> properties = new ArrayList<>(List.of(client(server)));
		properties.addAll(List.of(ENTRY_0 + "name[0].service=echo.Echo", ENTRY_0 + "retry-policy.max-attempts=3",
				ENTRY_0 + "retry-policy.initial-backoff=10ms", ENTRY_0 + "retry-policy.max-backoff=10ms",
				ENTRY_0 + "retry-policy.backoff-multiplier=1",
				ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE"));
		return properties.toArray(String[]::new);
	}

	/** A user's convention: Micrometer's, plus a team tag and a key of its own that names the method. */
	static final class TeamConvention extends DefaultGrpcClientObservationConvention {

		@Override
		public KeyValues getLowCardinalityKeyValues(GrpcClientObservationContext context) {
			return super.getLowCardinalityKeyValues(context)
				.and("team", "payments")
				.and("full.method", context.getFullMethodName());
		}

	}

	/**
	 * What a user writes who already observes calls with Micrometer's interceptor: adds it to the starter's channels,
	 * with a convention that marks its observations as the user's.
	 */
	@Configuration(proxyBeanMethods = false)
	static class UsersObservationInterceptorConfiguration {

		@Bean
		RetryChannelBuilderCustomizer usersObservationInterceptor(ObjectProvider<ObservationRegistry> registry) {
			return (clientName, builder) -> {
				ObservationGrpcClientInterceptor interceptor = new ObservationGrpcClientInterceptor(registry.getObject());
				interceptor.setCustomConvention(new DefaultGrpcClientObservationConvention() {

					@Override
					public KeyValues getLowCardinalityKeyValues(GrpcClientObservationContext context) {
						return super.getLowCardinalityKeyValues(context).and("observed.by", "user");
					}

				});
				builder.intercept(interceptor);
			};
		}

	}

	/** Every observation started, as a handler of the application's registry sees it. */
	static final class ObservationStarts implements ObservationHandler<Observation.Context> {

		final List<Observation.Context> started = new CopyOnWriteArrayList<>();

		@Override
		public void onStart(Observation.Context context) {
			this.started.add(context);
		}

		@Override
		public boolean supportsContext(Observation.Context context) {
			return true;
		}

	}

}
