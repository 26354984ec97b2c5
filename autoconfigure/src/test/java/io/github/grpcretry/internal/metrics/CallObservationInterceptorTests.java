package io.github.grpcretry.internal.metrics;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.test.echo.EchoResponse;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.binder.grpc.DefaultGrpcClientObservationConvention;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationContext;
import io.micrometer.core.instrument.binder.grpc.GrpcObservationDocumentation.LowCardinalityKeyNames;
import io.micrometer.core.instrument.binder.grpc.ObservationGrpcClientInterceptor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.GlobalObservationConvention;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import static org.awaitility.Awaitility.await;
/**
 * The call observations of {@link CallObservationInterceptor}, without Spring: a channel built by hand, as its
 * Javadoc says, against a grpc-java server in-process or on a Unix domain socket, with a handler that sees every
 * observation stop.
 */
class CallObservationInterceptorTests {

	private final StoppedObservations stopped = new StoppedObservations();

	private final ObservationRegistry observationRegistry = ObservationRegistry.create();

	@TempDir
	Path socketDirectory;

	private EchoTestServer server;

	private ManagedChannel channel;

	CallObservationInterceptorTests() {
		this.observationRegistry.observationConfig().observationHandler(this.stopped);
	}

	@AfterEach
	void shutDown() throws InterruptedException {
		if (this.channel != null) {
			this.channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
		if (this.server != null) {
			this.server.close();
		}
	}

	@Test
	void runTimeBuiltMethodIsOtherInEveryKeyForMetersAndKeepsItsNamesForTraces() {
		start(EchoTestServer.always(Answer.ok()), new CallObservationInterceptor(this.observationRegistry,
				new ConventionNamingTheMethod()));
		MethodDescriptor<EchoRequest, EchoResponse> generated = EchoGrpc.getUnaryEchoMethod();
		MethodDescriptor<EchoRequest, EchoResponse> method = MethodDescriptor
			.newBuilder(generated.getRequestMarshaller(), generated.getResponseMarshaller())
			.setType(MethodDescriptor.MethodType.UNARY)
			.setFullMethodName("dynamic.Service/Method")
			.build();
		assertThat(catchThrowableOfType(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(this.channel,
				method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request())))
			.isNotNull();
		Observation.Context call = this.stopped.named("grpc.client").get(0);
		assertThat(call.getLowCardinalityKeyValues()).contains(KeyValue.of("rpc.method", "other"),
				KeyValue.of("rpc.service", "other"), KeyValue.of("rpc.full_method", "other"),
				KeyValue.of("rpc.type", "UNARY"), KeyValue.of("grpc.status_code", "UNIMPLEMENTED"));
		assertThat(call.getContextualName()).isEqualTo("dynamic.Service/Method");
		// As a tracing handler tags its span: the high-cardinality names win.
		assertThat(call.getAllKeyValues()).contains(KeyValue.of("rpc.method", "Method"),
				KeyValue.of("rpc.service", "dynamic.Service"), KeyValue.of("rpc.full_method", "dynamic.Service/Method"));
	}

	@Test
	void generatedMethodKeepsItsNamesInEveryKey() {
		start(EchoTestServer.always(Answer.ok()), new CallObservationInterceptor(this.observationRegistry,
				new ConventionNamingTheMethod()));
		echo();
		Observation.Context call = this.stopped.named("grpc.client").get(0);
		assertThat(call.getLowCardinalityKeyValues()).contains(KeyValue.of("rpc.method", "UnaryEcho"),
				KeyValue.of("rpc.service", "echo.Echo"), KeyValue.of("rpc.full_method", "echo.Echo/UnaryEcho"));
		// Only why the call stopped, which a span carries and no meter made from the observation may.
		assertThat(call.getHighCardinalityKeyValues()).containsExactly(KeyValue.of("grpc.retry_stop", "succeeded"));
	}

	@Test
	void callOverAUnixDomainSocketSucceedsWithItsPeerNamedUnknown() {
		// The channel's authority is the socket's path, which names no host; Micrometer 1.15 failed the call.
		start(EchoTestServer.onUnixDomainSocket(this.socketDirectory.resolve("echo.sock"),
				EchoTestServer.always(Answer.ok())), "unix:" + this.socketDirectory.resolve("echo.sock"),
				new CallObservationInterceptor(this.observationRegistry));
		echo();
		assertThat(this.stopped.named("grpc.client")).singleElement()
			.satisfies((call) -> assertThat(call.getLowCardinalityKeyValues()).contains(
					KeyValue.of(LowCardinalityKeyNames.PEER_NAME.asString(), "UNKNOWN"),
					KeyValue.of(LowCardinalityKeyNames.STATUS_CODE.asString(), "OK")));
	}

	@Test
	void callOverAUnixDomainSocketSucceedsWithTheApplicationsConvention() {
		start(EchoTestServer.onUnixDomainSocket(this.socketDirectory.resolve("echo.sock"),
				EchoTestServer.always(Answer.ok())), "unix:" + this.socketDirectory.resolve("echo.sock"),
				new CallObservationInterceptor(this.observationRegistry, new ConventionNamingTheMethod()));
		echo();
		assertThat(this.stopped.named("grpc.client")).singleElement()
			.satisfies((call) -> assertThat(call.getLowCardinalityKeyValues()).contains(
					KeyValue.of(LowCardinalityKeyNames.PEER_NAME.asString(), "UNKNOWN"),
					KeyValue.of("rpc.full_method", "echo.Echo/UnaryEcho")));
	}

	@Test
	void withoutAConventionOfItsOwnACallIsObservedWithTheRegistrysGlobalConvention() {
		this.observationRegistry.observationConfig().observationConvention(new GlobalConventionNamingTheMethod());
		start(EchoTestServer.always(Answer.ok()), new CallObservationInterceptor(this.observationRegistry));
		echo();
		assertThat(this.stopped.named("grpc.client")).singleElement()
			.satisfies((call) -> assertThat(call.getLowCardinalityKeyValues())
				.contains(KeyValue.of("rpc.full_method", "echo.Echo/UnaryEcho")));
	}

	@Test
	void callObservedByMicrometersInterceptorFurtherOutIsObservedOnceAndParentsItsRetries() {
		start(EchoTestServer.failAllButEvery(3), new CallObservationInterceptor(this.observationRegistry),
				new ObservationGrpcClientInterceptor(this.observationRegistry));
		echo();
		assertThat(this.server.requestCount()).isEqualTo(3);
		await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(5))
			.until(() -> this.stopped.named(AttemptObservations.NAME).size() == 2);
		assertThat(this.stopped.named("grpc.client")).hasSize(1);
		Observation.Context call = this.stopped.named("grpc.client").get(0);
		assertThat(this.stopped.named(AttemptObservations.NAME)).hasSize(2)
			.allSatisfy((attempt) -> assertThat(attempt.getParentObservation().getContextView()).isSameAs(call));
	}

	@Test
	void callObservedHereParentsItsRetries() {
		start(EchoTestServer.failAllButEvery(3), new CallObservationInterceptor(this.observationRegistry));
		echo();
		await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(5))
			.until(() -> this.stopped.named(AttemptObservations.NAME).size() == 2);
		assertThat(this.stopped.named("grpc.client")).hasSize(1);
		Observation.Context call = this.stopped.named("grpc.client").get(0);
		assertThat(this.stopped.named(AttemptObservations.NAME)).hasSize(2)
			.allSatisfy((attempt) -> assertThat(attempt.getParentObservation().getContextView()).isSameAs(call));
	}

	// The given interceptors between the observation, innermost, and the counting, outermost.
	private void start(IntFunction<Answer> script, CallObservationInterceptor observations,
			ClientInterceptor... between) {
		EchoTestServer server = EchoTestServer.inProcess(script);
		start(server, server.channelBuilder(), observations, between);
	}

	private void start(EchoTestServer server, String target, CallObservationInterceptor observations,
			ClientInterceptor... between) {
		start(server, Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()), observations, between);
	}

	private void start(EchoTestServer server, ManagedChannelBuilder<?> builder, CallObservationInterceptor observations,
			ClientInterceptor... between) {
		this.server = server;
		this.channel = builder.enableRetry()
			.defaultServiceConfig(Map.of("methodConfig",
					List.of(AttemptMetricsInterceptorTests.retryPolicy(3, "0.01s"))))
			.intercept(observations)
			.intercept(between)
			.intercept(new AttemptMetricsInterceptor(new SimpleMeterRegistry(), "echo"))
			.build();
	}

	private void echo() {
		EchoGrpc.newBlockingStub(this.channel).withDeadlineAfter(10, TimeUnit.SECONDS).unaryEcho(request());
	}

	private static EchoRequest request() {
		return EchoRequest.newBuilder().setMessage("observed").build();
	}

	/** An application's convention, with a key of its own that names the method. */
	static class ConventionNamingTheMethod extends DefaultGrpcClientObservationConvention {

		@Override
		public KeyValues getLowCardinalityKeyValues(GrpcClientObservationContext context) {
			return super.getLowCardinalityKeyValues(context).and("rpc.full_method", context.getFullMethodName());
		}

	}

	/** A convention an application registers with the registry, for every gRPC client observation. */
	static final class GlobalConventionNamingTheMethod extends ConventionNamingTheMethod
			implements GlobalObservationConvention<GrpcClientObservationContext> {

	}

	/** Every observation stopped, as a handler of the registry sees it. */
	static final class StoppedObservations implements ObservationHandler<Observation.Context> {

		private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

		@Override
		public void onStop(Observation.Context context) {
			this.stopped.add(context);
		}

		@Override
		public boolean supportsContext(Observation.Context context) {
			return true;
		}

		List<Observation.Context> named(String name) {
			return this.stopped.stream().filter((context) -> name.equals(context.getName())).toList();
		}

	}

}
