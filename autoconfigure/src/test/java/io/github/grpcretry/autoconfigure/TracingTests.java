package io.github.grpcretry.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.ThreadLocalCurrentTraceContext;
import brave.propagation.TraceContext;
import brave.propagation.TraceContextOrSamplingFlags;
import brave.sampler.Sampler;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.EchoTestServer.Request;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.test.echo.EchoResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationHandler.FirstMatchingCompositeObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.brave.bridge.BraveBaggageManager;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BravePropagator;
import io.micrometer.tracing.brave.bridge.BraveTracer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Traces of the starter's channels with a real Micrometer Tracing bridge (Brave), wired into the
 * {@link ObservationRegistry} as Spring Boot wires it, against a real grpc-java server that reads the trace headers.
 */
class TracingTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	private static final String ATTEMPT = "grpc.client.attempt";

	private final FinishedSpans spans = new FinishedSpans();

	private final Tracing tracing = tracing(this.spans);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class);

	@AfterEach
	void closeTracing() {
		this.tracing.close();
	}

	@Test
	void retriedCallSendsOneTraceToEveryAttemptAndShowsEachRetryAsAChildSpan() {
		try (EchoTestServer server = EchoTestServer.inProcess(EchoTestServer.failAllButEvery(4))) {
			this.contextRunner.withBean(ObservationRegistry.class, this::tracingObservationRegistry)
				.withPropertyValues(retryingFourTimes(server))
				.run((context) -> {
					assertThat(echo(context.getBean("echoManagedChannel", ManagedChannel.class)).unaryEcho(request())
						.getMessage()).isEqualTo("traced");
					await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(this.spans.all()).hasSize(4));
					MutableSpan call = this.spans.named("echo.Echo/UnaryEcho").get(0);
					assertThat(call.kind()).isEqualTo(brave.Span.Kind.CLIENT);
					List<MutableSpan> attempts = this.spans.named(ATTEMPT);
					assertThat(attempts).hasSize(3)
						.allSatisfy((attempt) -> assertThat(attempt.traceId()).isEqualTo(call.traceId()))
						.allSatisfy((attempt) -> assertThat(attempt.parentId()).isEqualTo(call.id()))
						.allSatisfy((attempt) -> assertThat(attempt.tag("grpc.attempt.kind")).isEqualTo("retry"));
					assertThat(attempts).extracting((attempt) -> attempt.tag("grpc.previous_rpc_attempts"))
						.containsExactly("1", "2", "3");
					assertThat(attempts).extracting((attempt) -> attempt.tag("grpc.status_code"))
						.containsExactly("UNAVAILABLE", "UNAVAILABLE", "OK");
					// Each retry's span starts when it is sent, after its backoff (8 to 12 ms), not when grpc-java
					// scheduled it, as the previous attempt failed: the gap shows the backoff.
					for (int i = 1; i < attempts.size(); i++) {
						long gapMicros = attempts.get(i).startTimestamp() - attempts.get(i - 1).finishTimestamp();
						assertThat(gapMicros).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toMicros(5));
					}
					assertThat(server.requests()).hasSize(4)
						.allSatisfy((received) -> assertThat(traceContext(received).traceIdString())
							.isEqualTo(call.traceId()));
					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					assertThat(meters.attempts("kind", "initial")).isEqualTo(1);
					assertThat(meters.attempts("kind", "retry")).isEqualTo(3);
					assertThat(meters.calls("outcome", "success_with_retry")).isEqualTo(1);
				});
		}
	}

	@Test
	void oneAttemptCallYieldsTheCallSpanAndNoAttemptSpan() {
		try (EchoTestServer server = EchoTestServer.inProcess(EchoTestServer.always(Answer.ok()))) {
			this.contextRunner.withBean(ObservationRegistry.class, this::tracingObservationRegistry)
				.withPropertyValues(retryingFourTimes(server))
				.run((context) -> {
					echo(context.getBean("echoManagedChannel", ManagedChannel.class)).unaryEcho(request());
					await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(this.spans.all()).hasSize(1));
					MutableSpan call = this.spans.all().get(0);
					assertThat(call.name()).isEqualTo("echo.Echo/UnaryEcho");
					assertThat(call.tag("grpc.status_code")).isEqualTo("OK");
					assertThat(server.requests()).singleElement()
						.satisfies((received) -> assertThat(traceContext(received).spanIdString())
							.isEqualTo(call.id()));
					assertThat(new Meters(context.getBean(MeterRegistry.class)).attempts("kind", "initial"))
						.isEqualTo(1);
				});
		}
	}

	@Test
	void callOfAMethodBuiltAtRunTimeIsTracedUnderItsOwnNames() {
		try (EchoTestServer server = EchoTestServer.inProcess(EchoTestServer.always(Answer.ok()))) {
			this.contextRunner.withBean(ObservationRegistry.class, this::tracingObservationRegistry)
				.withPropertyValues(client(server))
				.run((context) -> {
					MethodDescriptor<EchoRequest, EchoResponse> generated = EchoGrpc.getUnaryEchoMethod();
					// As a proxy builds it: not sampled to local tracing, so "other" in every meter's tags.
					MethodDescriptor<EchoRequest, EchoResponse> method = MethodDescriptor
						.newBuilder(generated.getRequestMarshaller(), generated.getResponseMarshaller())
						.setType(MethodDescriptor.MethodType.UNARY)
						.setFullMethodName(generated.getFullMethodName())
						.build();
					ClientCalls.blockingUnaryCall(context.getBean("echoManagedChannel", ManagedChannel.class), method,
							CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request());
					await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(this.spans.all()).hasSize(1));
					MutableSpan call = this.spans.all().get(0);
					assertThat(call.name()).isEqualTo("echo.Echo/UnaryEcho");
					assertThat(call.tags()).containsEntry("rpc.service", "echo.Echo")
						.containsEntry("rpc.method", "UnaryEcho")
						.containsEntry("grpc.status_code", "OK");
					assertThat(new Meters(context.getBean(MeterRegistry.class)).attempts("method", "other"))
						.isEqualTo(1);
				});
		}
	}

	@Test
	void concurrentHedgesAreChildSpansOfTheirCall() {
		// The hedges start on grpc-java's timer threads, where the call's observation is in no scope.
		try (EchoTestServer server = EchoTestServer.inProcessByRequest((request) -> (request.previousAttempts() == 2)
				? Answer.ok() : Answer.okAfter(Duration.ofSeconds(2)))) {
			this.contextRunner.withBean(ObservationRegistry.class, this::tracingObservationRegistry)
				.withPropertyValues(client(server, ENTRY_0 + "hedging-policy.max-attempts=3",
						ENTRY_0 + "hedging-policy.hedging-delay=50ms"))
				.run((context) -> {
					echo(context.getBean("echoManagedChannel", ManagedChannel.class)).unaryEcho(request());
					// The losing hedge ends, cancelled, once the winner has committed the call.
					await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(this.spans.all()).hasSize(3));
					MutableSpan call = this.spans.named("echo.Echo/UnaryEcho").get(0);
					List<MutableSpan> hedges = this.spans.named(ATTEMPT);
					assertThat(hedges).allSatisfy((hedge) -> assertThat(hedge.parentId()).isEqualTo(call.id()))
						.allSatisfy((hedge) -> assertThat(hedge.tag("grpc.attempt.kind")).isEqualTo("hedge"))
						.extracting((hedge) -> hedge.tag("grpc.previous_rpc_attempts") + " "
								+ hedge.tag("grpc.status_code"))
						.containsExactly("1 CANCELLED", "2 OK");
				});
		}
	}

	@Test
	void retriesAreTracedWithoutAMeterRegistry() {
		try (EchoTestServer server = EchoTestServer.inProcess(EchoTestServer.failAllButEvery(2))) {
			new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
				.withBean(ObservationRegistry.class, this::tracingObservationRegistry)
				.withPropertyValues(client(server, ENTRY_0 + "retry-policy.max-attempts=2",
						ENTRY_0 + "retry-policy.initial-backoff=10ms", ENTRY_0 + "retry-policy.max-backoff=10ms",
						ENTRY_0 + "retry-policy.backoff-multiplier=1",
						ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE"))
				.run((context) -> {
					assertThat(context).doesNotHaveBean(MeterRegistry.class);
					echo(context.getBean("echoManagedChannel", ManagedChannel.class)).unaryEcho(request());
					await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(this.spans.all()).hasSize(2));
					MutableSpan call = this.spans.named("echo.Echo/UnaryEcho").get(0);
					assertThat(this.spans.named(ATTEMPT)).singleElement()
						.satisfies((retry) -> assertThat(retry.parentId()).isEqualTo(call.id()))
						.satisfies((retry) -> assertThat(retry.tag("grpc.status_code")).isEqualTo("OK"));
				});
		}
	}

	@Test
	void withoutObservationRegistryCallsCarryNoTraceContext() {
		try (EchoTestServer server = EchoTestServer.inProcess(EchoTestServer.always(Answer.ok()))) {
			this.contextRunner.withBean(Tracing.class, () -> this.tracing)
				.withPropertyValues(client(server))
				.run((context) -> {
					echo(context.getBean("echoManagedChannel", ManagedChannel.class)).unaryEcho(request());
					assertThat(server.requests()).singleElement()
						.satisfies((received) -> assertThat(traceContext(received)).isNull());
					assertThat(this.spans.all()).isEmpty();
				});
		}
	}

	private ObservationRegistry tracingObservationRegistry() {
		return tracingObservationRegistry(this.tracing);
	}

	/**
	 * Brave tracing that samples every trace and hands each finished span to the given spans.
	 * @param spans where the finished spans go
	 * @return the tracing, to close after the test
	 */
	static Tracing tracing(FinishedSpans spans) {
		return Tracing.newBuilder()
			.currentTraceContext(ThreadLocalCurrentTraceContext.create())
			.sampler(Sampler.ALWAYS_SAMPLE)
			.addSpanHandler(spans)
			.build();
	}

	/**
	 * As Spring Boot's tracing auto-configuration wires an {@link ObservationRegistry} to Micrometer Tracing.
	 * @param tracing the Brave tracing to report to
	 * @return the registry
	 */
	static ObservationRegistry tracingObservationRegistry(Tracing tracing) {
		BraveTracer tracer = new BraveTracer(tracing.tracer(),
				new BraveCurrentTraceContext(tracing.currentTraceContext()), new BraveBaggageManager());
		BravePropagator propagator = new BravePropagator(tracing);
		ObservationRegistry registry = ObservationRegistry.create();
		registry.observationConfig()
			.observationHandler(new FirstMatchingCompositeObservationHandler(
					new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
					new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
					new DefaultTracingObservationHandler(tracer)));
		return registry;
	}

	/** The trace context the server received, read as a Brave server would read it, or {@code null}. */
	private TraceContext traceContext(Request received) {
		TraceContextOrSamplingFlags extracted = this.tracing.propagation()
			.<Metadata>extractor((headers, key) -> headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)))
			.extract(received.headers());
		return extracted.context();
	}

	// The seed scenario's policy: up to 4 attempts, 10 ms apart, on UNAVAILABLE.
	private static String[] retryingFourTimes(EchoTestServer server) {
		return client(server, ENTRY_0 + "retry-policy.max-attempts=4", ENTRY_0 + "retry-policy.initial-backoff=10ms",
				ENTRY_0 + "retry-policy.max-backoff=10ms", ENTRY_0 + "retry-policy.backoff-multiplier=1",
				ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE");
	}

	private static String[] client(EchoTestServer server, String... methodConfig) {
		List<String> properties = new ArrayList<>(List.of("grpc.clients.echo.address=" + server.address(),
				"grpc.clients.echo.negotiation-type=plaintext"));
		if (methodConfig.length > 0) {
			properties.add(ENTRY_0 + "name[0].service=echo.Echo");
			properties.addAll(List.of(methodConfig));
		}
		return properties.toArray(String[]::new);
	}

	private static EchoGrpc.EchoBlockingStub echo(ManagedChannel channel) {
		return EchoGrpc.newBlockingStub(channel);
	}

	private static EchoRequest request() {
		return EchoRequest.newBuilder().setMessage("traced").build();
	}

	/** The spans Brave finished, as an in-memory reporter would send them. */
	static final class FinishedSpans extends SpanHandler {

		private final ConcurrentLinkedQueue<MutableSpan> spans = new ConcurrentLinkedQueue<>();

		@Override
		public boolean end(TraceContext context, MutableSpan span, Cause cause) {
			if (cause == Cause.FINISHED) {
				this.spans.add(span);
			}
			return true;
		}

		List<MutableSpan> all() {
			return List.copyOf(this.spans);
		}

		/** The spans of a name, in the order they started. */
		List<MutableSpan> named(String name) {
			return this.spans.stream()
				.filter((span) -> name.equals(span.name()))
				.sorted(Comparator.comparingLong(MutableSpan::startTimestamp))
				.toList();
		}

	}

}
