package io.github.grpcretry.benchmarks;

import java.util.concurrent.atomic.AtomicLong;

import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.ThreadLocalCurrentTraceContext;
import brave.propagation.TraceContext;
import brave.sampler.Sampler;
import io.micrometer.observation.ObservationHandler.FirstMatchingCompositeObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.brave.bridge.BraveBaggageManager;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BravePropagator;
import io.micrometer.tracing.brave.bridge.BraveTracer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer Tracing over Brave, every trace sampled, wired into an {@link ObservationRegistry} as Spring Boot wires
 * it, with an in-memory reporter: finished spans are counted and the last one kept, so that a benchmark measures
 * what tracing costs a call, not what exporting costs a collector.
 */
public final class InMemoryTracing implements AutoCloseable {

	private final Tracing tracing;

	private final ObservationRegistry observationRegistry;

	private final AtomicLong finishedSpans = new AtomicLong();

	// Kept, so that the JIT cannot drop the span's recording as unused.
	private volatile @Nullable MutableSpan lastSpan;

	public InMemoryTracing() {
		this.tracing = Tracing.newBuilder()
			.currentTraceContext(ThreadLocalCurrentTraceContext.create())
			.sampler(Sampler.ALWAYS_SAMPLE)
			.addSpanHandler(new SpanHandler() {

				@Override
				public boolean end(TraceContext context, MutableSpan span, Cause cause) {
					InMemoryTracing.this.finishedSpans.incrementAndGet();
					InMemoryTracing.this.lastSpan = span;
					return true;
				}

			})
			.build();
		BraveTracer tracer = new BraveTracer(this.tracing.tracer(),
				new BraveCurrentTraceContext(this.tracing.currentTraceContext()), new BraveBaggageManager());
		BravePropagator propagator = new BravePropagator(this.tracing);
		this.observationRegistry = ObservationRegistry.create();
		this.observationRegistry.observationConfig()
			.observationHandler(new FirstMatchingCompositeObservationHandler(
					new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
					new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
					new DefaultTracingObservationHandler(tracer)));
	}

	/**
	 * The observation registry whose observations become spans.
	 * @return the registry
	 */
	public ObservationRegistry observationRegistry() {
		return this.observationRegistry;
	}

	/**
	 * How many spans finished so far.
	 * @return the count
	 */
	public long finishedSpans() {
		return this.finishedSpans.get();
	}

	@Override
	public void close() {
		this.tracing.close();
	}

}
