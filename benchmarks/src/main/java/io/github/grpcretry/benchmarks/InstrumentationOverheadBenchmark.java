package io.github.grpcretry.benchmarks;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.grpcretry.benchmarks.echo.EchoGrpc;
import io.github.grpcretry.benchmarks.echo.EchoRequest;
import io.github.grpcretry.benchmarks.echo.EchoResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.opentelemetry.GrpcOpenTelemetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingClientInterceptor;
import io.micrometer.core.instrument.binder.grpc.ObservationGrpcClientInterceptor;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What instrumentation costs per unary call: a plain grpc-java channel ({@code raw}) beside the starter's channel
 * and the instrumentation a user would otherwise install, all with the same service config (a retry policy that a
 * server answering OK never triggers), each Micrometer variant on the same kind of registry. {@code tracerFloor} is
 * a plain channel whose interceptor puts a stream tracer factory that does nothing on each call: what grpc-java
 * itself charges any instrumentation that sees attempts, the floor under the starter's own work. With tracing on
 * (Micrometer Tracing over Brave, every call sampled, an in-memory reporter): the starter's channel
 * ({@code starterTracing}) beside a plain channel with Micrometer's gRPC observation alone ({@code micrometerTracing}).
 * Run with {@code -prof gc} for the bytes allocated per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// 3 x 2 s of warm-up left raw still climbing from 208,000 to 330,000 calls/s across its measured iterations.
@Warmup(iterations = 10, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class InstrumentationOverheadBenchmark {

	private static final EchoRequest REQUEST = EchoRequest.newBuilder().setMessage("hello").build();

	@Param({ "inprocess", "netty" })
	public String transport;

	/** The registry behind every Micrometer variant: {@code simple}, or {@code prometheus}, what most users scrape. */
	@Param({ "simple", "prometheus" })
	public String registry;

	private EchoBackend backend;

	private StarterChannels starterChannels;

	private SdkMeterProvider meterProvider;

	private StarterChannels tracedStarterChannels;

	private InMemoryTracing starterTracing;

	private InMemoryTracing micrometerTracing;

	private ManagedChannel[] channels;

	private EchoGrpc.EchoBlockingStub raw;

	private EchoGrpc.EchoBlockingStub tracerFloor;

	private EchoGrpc.EchoBlockingStub starter;

	private EchoGrpc.EchoBlockingStub micrometerMetrics;

	private EchoGrpc.EchoBlockingStub micrometerObservation;

	private EchoGrpc.EchoBlockingStub grpcOpenTelemetry;

	private EchoGrpc.EchoBlockingStub starterTracingStub;

	private EchoGrpc.EchoBlockingStub micrometerTracingStub;

	@Setup(Level.Trial)
	public void start() {
		Transport kind = Transport.valueOf(this.transport.toUpperCase(java.util.Locale.ROOT));
		this.backend = EchoBackend.alwaysOk(kind);
		this.starterChannels = StarterChannels.start(
				StarterChannels.clientWithRetryPolicy("echo", this.backend.address()), newRegistry(),
				kind == Transport.INPROCESS);

		ManagedChannel rawChannel = rawBuilder().build();

		ManagedChannel tracerFloorChannel = rawBuilder().intercept(new NoOpTracerInterceptor()).build();

		ManagedChannel micrometerMetricsChannel = rawBuilder()
			.intercept(new MetricCollectingClientInterceptor(newRegistry()))
			.build();

		// As Spring Boot 4.1 wires it: an ObservationRegistry whose observations become meters.
		ObservationRegistry observationRegistry = ObservationRegistry.create();
		observationRegistry.observationConfig()
			.observationHandler(new DefaultMeterObservationHandler(newRegistry()));
		ManagedChannel micrometerObservationChannel = rawBuilder()
			.intercept(new ObservationGrpcClientInterceptor(observationRegistry))
			.build();

		// gRFC A96's retry metrics are off by default in grpc-java; they are what this starter counts.
		this.meterProvider = SdkMeterProvider.builder().registerMetricReader(InMemoryMetricReader.create()).build();
		GrpcOpenTelemetry openTelemetry = GrpcOpenTelemetry.newBuilder()
			.sdk(OpenTelemetrySdk.builder().setMeterProvider(this.meterProvider).build())
			.enableMetrics(List.of("grpc.client.call.retries", "grpc.client.call.transparent_retries",
					"grpc.client.call.hedges", "grpc.client.call.retry_delay"))
			.build();
		ManagedChannelBuilder<?> openTelemetryBuilder = rawBuilder();
		openTelemetry.configureChannelBuilder(openTelemetryBuilder);
		ManagedChannel openTelemetryChannel = openTelemetryBuilder.build();

		// Tracing on, each with a tracer of its own: the starter's channel, and Micrometer's call observation alone.
		this.starterTracing = new InMemoryTracing();
		this.tracedStarterChannels = StarterChannels.start(
				StarterChannels.clientWithRetryPolicy("echo", this.backend.address()), newRegistry(),
				this.starterTracing.observationRegistry(), kind == Transport.INPROCESS);
		this.micrometerTracing = new InMemoryTracing();
		ManagedChannel micrometerTracingChannel = rawBuilder()
			.intercept(new ObservationGrpcClientInterceptor(this.micrometerTracing.observationRegistry()))
			.build();

		this.channels = new ManagedChannel[] { rawChannel, tracerFloorChannel, micrometerMetricsChannel, micrometerObservationChannel,
				openTelemetryChannel, micrometerTracingChannel };
		this.raw = EchoGrpc.newBlockingStub(rawChannel);
		this.tracerFloor = EchoGrpc.newBlockingStub(tracerFloorChannel);
		this.starter = EchoGrpc.newBlockingStub(this.starterChannels.channel("echo"));
		this.micrometerMetrics = EchoGrpc.newBlockingStub(micrometerMetricsChannel);
		this.micrometerObservation = EchoGrpc.newBlockingStub(micrometerObservationChannel);
		this.grpcOpenTelemetry = EchoGrpc.newBlockingStub(openTelemetryChannel);
		this.starterTracingStub = EchoGrpc.newBlockingStub(this.tracedStarterChannels.channel("echo"));
		this.micrometerTracingStub = EchoGrpc.newBlockingStub(micrometerTracingChannel);
	}

	private MeterRegistry newRegistry() {
		return RegistryKind.of(this.registry).newRegistry();
	}

	private ManagedChannelBuilder<?> rawBuilder() {
		return this.backend.rawChannelBuilder()
			.enableRetry()
			.disableServiceConfigLookUp()
			.defaultServiceConfig(StarterChannels.serviceConfigWithRetryPolicy());
	}

	@TearDown(Level.Trial)
	public void stop() throws InterruptedException {
		for (ManagedChannel channel : this.channels) {
			channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
		this.starterChannels.close();
		this.tracedStarterChannels.close();
		this.starterTracing.close();
		this.micrometerTracing.close();
		this.meterProvider.close();
		this.backend.close();
	}

	@Benchmark
	public EchoResponse raw() {
		return this.raw.unaryEcho(REQUEST);
	}

	@Benchmark
	public EchoResponse tracerFloor() {
		return this.tracerFloor.unaryEcho(REQUEST);
	}

	@Benchmark
	public EchoResponse starter() {
		return this.starter.unaryEcho(REQUEST);
	}

	@Benchmark
	public EchoResponse micrometerMetrics() {
		return this.micrometerMetrics.unaryEcho(REQUEST);
	}

	@Benchmark
	public EchoResponse micrometerObservation() {
		return this.micrometerObservation.unaryEcho(REQUEST);
	}

	@Benchmark
	public EchoResponse grpcOpenTelemetry() {
		return this.grpcOpenTelemetry.unaryEcho(REQUEST);
	}

	@Benchmark
	public EchoResponse starterTracing() {
		return this.starterTracingStub.unaryEcho(REQUEST);
	}

	@Benchmark
	public EchoResponse micrometerTracing() {
		return this.micrometerTracingStub.unaryEcho(REQUEST);
	}

	/**
	 * Puts a stream tracer factory that does nothing on each call, as any per-attempt instrumentation must.
	 */
	private static final class NoOpTracerInterceptor implements ClientInterceptor {

		private static final ClientStreamTracer TRACER = new ClientStreamTracer() {
		};

		private static final ClientStreamTracer.Factory FACTORY = new ClientStreamTracer.Factory() {

			@Override
			public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info,
					Metadata headers) {
				return TRACER;
			}

		};

		@Override
		public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
				CallOptions callOptions, Channel next) {
			return next.newCall(method, callOptions.withStreamTracerFactory(FACTORY));
		}

	}

}
