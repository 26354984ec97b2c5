package io.github.grpcretry.internal.metrics;

import java.util.Arrays;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationContext;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationConvention;
import io.micrometer.core.instrument.binder.grpc.ObservationGrpcClientInterceptor;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.ObservationView;
import org.jspecify.annotations.Nullable;

/**
 * Observes each call of a channel as Micrometer's {@link ObservationGrpcClientInterceptor} does (its conventions,
 * and the trace context in the call's headers, which every attempt sends), unless an interceptor further out already
 * observes the call that way, and makes the call's observation the parent of the {@code grpc.client.attempt}
 * observations of the {@link AttemptMetricsInterceptor} that counts the call's attempts.
 *
 * <p>Add it innermost, before every other interceptor, and the {@code AttemptMetricsInterceptor} outermost (grpc-java
 * runs the interceptor added last first):
 *
 * <pre>{@code
 * ManagedChannel channel = ManagedChannelBuilder.forTarget("localhost:50052")
 *     .enableRetry()
 *     .intercept(new CallObservationInterceptor(observationRegistry))
 *     .intercept(new AttemptMetricsInterceptor(meterRegistry, "echo"))
 *     .build();
 * }</pre>
 *
 * <p>Innermost, it sees at a call's start whether an {@code ObservationGrpcClientInterceptor} further out (one the
 * application added itself) has this call's observation open: then that observation is the call's, observed once,
 * and this interceptor observes nothing itself.
 *
 * <p>The call observations it makes are bounded as the attempt meters are: a method built at run time
 * ({@link MethodDescriptor#isSampledToLocalTracing()} {@code false}) is {@code other} in every low-cardinality key
 * that names its method or service, through a convention that wraps the given one (or Micrometer's default), so
 * that meters made from the observations, as Spring Boot makes them, cannot grow per method. Its span keeps the
 * full method name as its name and the real names as high-cardinality keys.
 *
 * <p>With the {@code AttemptMetricsInterceptor}, each call's observation also gets the high-cardinality key
 * {@code grpc.retry_stop}, a span attribute: why the call made no more attempts ({@link RetryStop}). It is no
 * low-cardinality key, so that the meters Spring Boot makes from the observations keep one set of tags whatever
 * channel made them.
 *
 * <p>A call on a channel whose authority names no host, such as a {@code unix:} socket's path, has the peer name
 * {@code UNKNOWN}, as Micrometer 1.16 and later give it, where Micrometer 1.15 would fail the call.
 */
public final class CallObservationInterceptor implements ClientInterceptor {

	/** The call observation's high-cardinality key, a span attribute, that says why the call stopped. */
	static final String RETRY_STOP = "grpc.retry_stop";

	// One key-value per reason, made once: each observed call adds one, not a new one.
	private static final KeyValue[] RETRY_STOPS = Arrays.stream(RetryStop.values())
		.map((stop) -> KeyValue.of(RETRY_STOP, stop.tagValue()))
		.toArray(KeyValue[]::new);

	private final ObservationRegistry registry;

	private final CallConventions conventions;

	/**
	 * Creates an interceptor that observes calls with Micrometer's conventions.
	 * @param registry where calls and attempts are observed
	 */
	public CallObservationInterceptor(ObservationRegistry registry) {
		this(registry, null);
	}

	/**
	 * Creates an interceptor that observes calls with a convention of the application's.
	 * @param registry where calls and attempts are observed
	 * @param convention the convention of the call observations, or {@code null} for Micrometer's
	 */
	public CallObservationInterceptor(ObservationRegistry registry,
			@Nullable GrpcClientObservationConvention convention) {
		this.registry = registry;
		this.conventions = new CallConventions(registry, convention);
	}

	@Override
	public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
			CallOptions callOptions, Channel next) {
		if (this.registry.isNoop()) {
			return next.newCall(method, callOptions);
		}
		ClientCall<ReqT, RespT> call = next.newCall(method, callOptions);
		CallAttempts attempts = callAttempts(callOptions);
		if (attempts != null) {
			call = new AttemptsParentCall<>(call, attempts);
		}
		return new ObservedCall<>(call, method, callOptions, next);
	}

	// The attempts of the AttemptMetricsInterceptor further out, which put them on the call's options.
	private static @Nullable CallAttempts callAttempts(CallOptions callOptions) {
		for (ClientStreamTracer.Factory factory : callOptions.getStreamTracerFactories()) {
			if (factory instanceof CallAttempts attempts) {
				return attempts;
			}
		}
		return null;
	}

	/**
	 * The observation of this very call, open in the current scope: Micrometer's, whose carrier is this call's
	 * headers. Any other open observation is the application's (or none: an interceptor whose registry has no
	 * handler opens none).
	 */
	private @Nullable Observation callObservation(Metadata headers) {
		for (ObservationView view = this.registry.getCurrentObservation(); view != null; view = view.getContextView()
			.getParentObservation()) {
			if (view.getContextView() instanceof GrpcClientObservationContext context && context.getCarrier() == headers
					&& view instanceof Observation observation) {
				return observation;
			}
		}
		return null;
	}

	/**
	 * A call that observes itself at its start, unless an interceptor further out has observed it already.
	 */
	private final class ObservedCall<ReqT, RespT> extends ForwardingClientCall<ReqT, RespT> {

		private final MethodDescriptor<ReqT, RespT> method;

		private final CallOptions callOptions;

		private final Channel next;

		// The call until it starts; then Micrometer's observing call around it, if this call observes itself.
		// Volatile for cancel(), which any thread may call.
		private volatile ClientCall<ReqT, RespT> delegate;

		ObservedCall(ClientCall<ReqT, RespT> call, MethodDescriptor<ReqT, RespT> method, CallOptions callOptions,
				Channel next) {
			this.delegate = call;
			this.method = method;
			this.callOptions = callOptions;
			this.next = next;
		}

		@Override
		protected ClientCall<ReqT, RespT> delegate() {
			return this.delegate;
		}

		@Override
		public void start(Listener<RespT> responseListener, Metadata headers) {
			if (callObservation(headers) == null) {
				ClientCall<ReqT, RespT> call = this.delegate;
				ObservationGrpcClientInterceptor observations = CallObservationInterceptor.this.conventions
					.observing(this.method, this.next.authority());
				// Micrometer's observing call around the call already made: no second call on the channel.
				this.delegate = observations.interceptCall(this.method, this.callOptions, new Channel() {

					@Override
					@SuppressWarnings("unchecked")
					public <RequestT, ResponseT> ClientCall<RequestT, ResponseT> newCall(
							MethodDescriptor<RequestT, ResponseT> method, CallOptions callOptions) {
						return (ClientCall<RequestT, ResponseT>) call;
					}

					@Override
					public String authority() {
						return ObservedCall.this.next.authority();
					}

				});
			}
			this.delegate.start(responseListener, headers);
		}

	}

	/**
	 * The innermost call: hands the call's observation, open as it starts, to its attempts as their parent.
	 */
	private final class AttemptsParentCall<ReqT, RespT> extends SimpleForwardingClientCall<ReqT, RespT> {

		private final CallAttempts attempts;

		AttemptsParentCall(ClientCall<ReqT, RespT> call, CallAttempts attempts) {
			super(call);
			this.attempts = attempts;
		}

		@Override
		public void start(Listener<RespT> responseListener, Metadata headers) {
			Listener<RespT> listener = responseListener;
			try {
				Observation call = callObservation(headers);
				if (call != null) {
					this.attempts.observeAttempts(new AttemptObservations(CallObservationInterceptor.this.registry,
							call));
					listener = new RetryStopListener<>(responseListener, this.attempts, call);
				}
			}
			catch (RuntimeException ex) {
				// Observations, like meters, never break a call.
				this.attempts.failed(ex);
			}
			super.start(listener, headers);
		}

	}

	/**
	 * The innermost listener of an observed call: writes why the call stopped on its observation, before the
	 * listener that stops the observation hears of the close.
	 */
	private static final class RetryStopListener<RespT> extends SimpleForwardingClientCallListener<RespT> {

		private final CallAttempts attempts;

		private final Observation call;

		RetryStopListener(ClientCall.Listener<RespT> listener, CallAttempts attempts, Observation call) {
			super(listener);
			this.attempts = attempts;
			this.call = call;
		}

		@Override
		public void onClose(Status status, Metadata trailers) {
			try {
				this.call.highCardinalityKeyValue(RETRY_STOPS[this.attempts.retryStop(status, trailers).ordinal()]);
			}
			catch (RuntimeException ex) {
				this.attempts.failed(ex);
			}
			super.onClose(status, trailers);
		}

	}

}
