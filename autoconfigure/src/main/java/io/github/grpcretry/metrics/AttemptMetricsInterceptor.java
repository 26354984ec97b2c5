package io.github.grpcretry.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationContext;
import io.micrometer.core.instrument.binder.grpc.ObservationGrpcClientInterceptor;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Counts every attempt of every call of a channel in Micrometer: initial attempts, retries, hedges and transparent
 * retries, each with its status, plus each call's outcome, retries, hedges and retry delay.
 *
 * <p>An interceptor alone sees calls, not attempts, so this one puts a {@link io.grpc.ClientStreamTracer.Factory}
 * on each call's {@link CallOptions}; grpc-java asks it for a tracer per attempt. Add it to the channel that
 * retries, for example with {@code ManagedChannelBuilder.intercept}:
 *
 * <pre>{@code
 * ManagedChannel channel = ManagedChannelBuilder.forTarget("localhost:50052")
 *     .enableRetry()
 *     .intercept(new AttemptMetricsInterceptor(registry, "echo"))
 *     .build();
 * }</pre>
 *
 * <p>Meters ({@code client} and {@code method} tags on each): {@code grpc.client.attempts} (counter, with
 * {@code status} and {@code kind}), {@code grpc.client.calls} (timer, with {@code status} and {@code outcome}),
 * {@code grpc.client.call.retries}, {@code grpc.client.call.hedges}, {@code grpc.client.call.transparent_retries}
 * (distribution summaries, recorded for the calls that made any) and {@code grpc.client.call.retry_delay} (timer).
 * An attempt counts once it is sent, or once it ends if it failed before it could be sent; a call is recorded once
 * it has closed and its last attempt has ended. The {@code method} tag is the full method name of generated methods
 * and {@code other} for methods built at run time (gRFC A66), so that such methods cannot grow the registry
 * without end.
 *
 * <p>Given an {@link ObservationRegistry}, it also observes each call as Micrometer's
 * {@link ObservationGrpcClientInterceptor} does (its conventions, and the trace context in the call's headers, which
 * every attempt sends), and each attempt after the first as a child observation {@code grpc.client.attempt}, from
 * when it is made to when it ends, with low-cardinality keys {@code grpc.attempt.kind} ({@code retry}, {@code hedge},
 * {@code transparent_retry}) and {@code grpc.status_code}, and high-cardinality key
 * {@code grpc.previous_rpc_attempts}. A call made in one attempt has no attempt observation.
 *
 * <p>Metrics never break a call: when a meter, a {@code MeterFilter} or the registry throws, the call goes on as if
 * that meter did not exist, and the first such failure of each client is logged as a warning under this class's name.
 * So do attempt observations whose handlers throw.
 */
public final class AttemptMetricsInterceptor implements ClientInterceptor {

	private static final String OTHER_METHODS = "other";

	private final MeterRegistry registry;

	private final String client;

	private final MeterFailureLog failures;

	private final ClientTotals totals = new ClientTotals();

	private final Map<String, MethodMeters> methods = new ConcurrentHashMap<>();

	// Created on first use, not to show an "other" method that no call had.
	private volatile MethodMeters otherMethods;

	// Both null when calls are not observed.
	private final @Nullable ObservationRegistry observationRegistry;

	private final @Nullable ObservationGrpcClientInterceptor callObservations;

	/**
	 * Creates an interceptor for one client.
	 * @param registry where the meters are registered
	 * @param client the value of the {@code client} tag
	 */
	public AttemptMetricsInterceptor(MeterRegistry registry, String client) {
		this(registry, client, null);
	}

	/**
	 * Creates an interceptor for one client that also observes its calls and their attempts after the first.
	 * @param registry where the meters are registered
	 * @param client the value of the {@code client} tag
	 * @param observationRegistry where calls and attempts are observed, or {@code null} for nowhere
	 */
	public AttemptMetricsInterceptor(MeterRegistry registry, String client,
			@Nullable ObservationRegistry observationRegistry) {
		this.registry = registry;
		this.client = client;
		this.failures = new MeterFailureLog(client);
		this.observationRegistry = observationRegistry;
		this.callObservations = (observationRegistry != null)
				? new ObservationGrpcClientInterceptor(observationRegistry) : null;
	}

	@Override
	public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
			CallOptions callOptions, Channel next) {
		ObservationGrpcClientInterceptor callObservations = this.callObservations;
		if (callObservations == null) {
			return countedCall(method, callOptions, next);
		}
		// Micrometer's interceptor outside the counting call, whatever order the builder's interceptors are in:
		// the call's observation is in scope while the counting call starts, which is how its attempts find it.
		return callObservations.interceptCall(method, callOptions, new Channel() {

			@Override
			public <RequestT, ResponseT> ClientCall<RequestT, ResponseT> newCall(
					MethodDescriptor<RequestT, ResponseT> method, CallOptions callOptions) {
				return countedCall(method, callOptions, next);
			}

			@Override
			public String authority() {
				return next.authority();
			}

		});
	}

	private <ReqT, RespT> ClientCall<ReqT, RespT> countedCall(MethodDescriptor<ReqT, RespT> method,
			CallOptions callOptions, Channel next) {
		MethodMeters meters = methodMeters(method);
		if (meters == null) {
			// Its meters could not be registered: the call goes on, uncounted.
			return next.newCall(method, callOptions);
		}
		CallAttempts attempts = new CallAttempts(meters);
		return new SimpleForwardingClientCall<>(next.newCall(method, callOptions.withStreamTracerFactory(attempts))) {

			@Override
			public void start(Listener<RespT> responseListener, Metadata headers) {
				if (AttemptMetricsInterceptor.this.observationRegistry != null) {
					observeAttempts(attempts, headers);
				}
				startRecorded(responseListener, headers);
			}

			private void startRecorded(Listener<RespT> responseListener, Metadata headers) {
				super.start(new SimpleForwardingClientCallListener<>(responseListener) {

					@Override
					public void onClose(Status status, Metadata trailers) {
						try {
							attempts.callClosed(status);
						}
						finally {
							super.onClose(status, trailers);
						}
					}

				}, headers);
			}

		};
	}

	private void observeAttempts(CallAttempts attempts, Metadata headers) {
		try {
			Observation current = this.observationRegistry.getCurrentObservation();
			// Only this call's own observation, the one whose carrier is this call's headers: when Micrometer's
			// interceptor observes nothing (no handler), the scope holds whatever the application had open.
			if (current != null && current.getContext() instanceof GrpcClientObservationContext context
					&& context.getCarrier() == headers) {
				attempts.observeAttempts(new AttemptObservations(this.observationRegistry, current));
			}
		}
		catch (RuntimeException ex) {
			this.failures.failed(ex);
		}
	}

	/**
	 * The calls and attempts this interceptor counted since it was made, summed over its methods: the same counts
	 * as its meters, cumulative whatever kind of registry the meters are in.
	 * @return the totals
	 */
	public ClientTotals totals() {
		return this.totals;
	}

	private MethodMeters methodMeters(MethodDescriptor<?, ?> method) {
		try {
			if (!method.isSampledToLocalTracing()) {
				MethodMeters meters = this.otherMethods;
				if (meters == null) {
					// Racing first calls may each build one: the registry hands both the same meters.
					meters = new MethodMeters(this.registry, this.client, OTHER_METHODS, this.failures,
							this.totals);
					this.otherMethods = meters;
				}
				return meters;
			}
			String name = method.getFullMethodName();
			MethodMeters meters = this.methods.get(name);
			if (meters == null) {
				meters = this.methods.computeIfAbsent(name,
						(key) -> new MethodMeters(this.registry, this.client, key, this.failures,
								this.totals));
			}
			return meters;
		}
		catch (RuntimeException ex) {
			this.failures.failed(ex);
			return null;
		}
	}

}
