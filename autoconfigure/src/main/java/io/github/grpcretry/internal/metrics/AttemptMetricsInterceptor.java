package io.github.grpcretry.internal.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.github.grpcretry.internal.serviceconfig.AttemptCaps;
import io.github.grpcretry.internal.serviceconfig.CallPolicies;
import io.github.grpcretry.internal.serviceconfig.MethodPolicies;
import io.github.grpcretry.internal.serviceconfig.RetryBuffers;
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
 * {@code status} and {@code kind}), {@code grpc.client.calls} (timer, with {@code status}, {@code outcome} and
 * {@code retry_stop}, why the call made no more attempts: {@link RetryStop}),
 * {@code grpc.client.call.retries}, {@code grpc.client.call.hedges}, {@code grpc.client.call.transparent_retries}
 * (distribution summaries, recorded for the calls that made any) and {@code grpc.client.call.retry_delay} (timer).
 * An attempt counts once it is sent, or once it ends if it failed before it could be sent; a call is recorded once
 * it has closed and its last attempt has ended. The {@code method} tag is the full method name of generated methods
 * and {@code other} for methods built at run time (gRFC A66), so that such methods cannot grow the registry
 * without end.
 *
 * <p>With a {@link CallObservationInterceptor} innermost on the same channel, each call's attempts after the first
 * are also observed, as child observations {@code grpc.client.attempt} of the call's observation, from when each is
 * made to when it ends, with low-cardinality keys {@code grpc.attempt.kind} ({@code retry}, {@code hedge},
 * {@code transparent_retry}) and {@code grpc.status_code}, and high-cardinality key
 * {@code grpc.previous_rpc_attempts}. A call made in one attempt has no attempt observation.
 *
 * <p>Told the channel's service config, it also counts which method config governed each call, by grpc-java's rule
 * (the method's entry, else its service's, else the default entry), and warns once of a name that matched no call
 * while calls went to a close one ({@link CallGovernance}).
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

	private final Supplier<CallPolicies> policies;

	private final CallGovernance governance;

	private final Map<String, MethodMeters> methods = new ConcurrentHashMap<>();

	// Created on first use, not to show an "other" method that no call had.
	private volatile @Nullable MethodMeters otherMethods;

	/**
	 * Creates an interceptor for one client whose service config it is not told: it cannot tell which policy governs
	 * a call, and judges why a call stopped only from what the call saw ({@code docs/why-not-retried.md}).
	 * @param registry where the meters are registered
	 * @param client the value of the {@code client} tag
	 */
	public AttemptMetricsInterceptor(MeterRegistry registry, String client) {
		this(registry, client, CallPolicies::unknown, "methodConfig", RetryBuffers::grpcCallLimit);
	}

	/**
	 * Creates an interceptor for one client whose channel is built with a service config
	 * ({@code defaultServiceConfig}), grpc-java's caps of 5 attempts and its retry buffers, and no config from its
	 * name resolver: it tells which method config governs each call, and why each call stopped.
	 * @param registry where the meters are registered
	 * @param client the value of the {@code client} tag
	 * @param serviceConfig the channel's service config, as {@code defaultServiceConfig} takes it
	 */
	public AttemptMetricsInterceptor(MeterRegistry registry, String client, Map<String, ?> serviceConfig) {
		this(registry, client,
				constant(CallPolicies.of(MethodPolicies.of(serviceConfig, AttemptCaps.GRPC_DEFAULT_MAX_ATTEMPTS))),
				"methodConfig", RetryBuffers::grpcCallLimit);
	}

	/**
	 * Creates an interceptor for one client whose service config may change while its channel runs.
	 * @param registry where the meters are registered
	 * @param client the value of the {@code client} tag
	 * @param policies the policies of the config grpc-java holds, read at each call's start
	 * @param methodConfigProperty where the method configs are written, such as
	 * {@code grpc.clients.echo.method-config}, for the warning of a name that matches no call
	 * @param bufferLimit the fewest request bytes that overflow a call's retry buffer: the smaller of the channel's
	 * per-call limit and its whole buffer, read when an attempt fails
	 */
	public AttemptMetricsInterceptor(MeterRegistry registry, String client, Supplier<CallPolicies> policies,
			String methodConfigProperty, LongSupplier bufferLimit) {
		this.registry = registry;
		this.client = client;
		this.failures = new MeterFailureLog(client);
		this.policies = policies;
		this.governance = new CallGovernance(client, methodConfigProperty, bufferLimit);
	}

	private static Supplier<CallPolicies> constant(CallPolicies policies) {
		return () -> policies;
	}

	@Override
	public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
			CallOptions callOptions, Channel next) {
		MethodMeters meters = methodMeters(method);
		if (meters == null) {
			// Its meters could not be registered: the call goes on, uncounted.
			return next.newCall(method, callOptions);
		}
		CallAttempts attempts = callAttempts(meters, method);
		if (attempts == null) {
			return next.newCall(method, callOptions);
		}
		return new SimpleForwardingClientCall<>(next.newCall(method, callOptions.withStreamTracerFactory(attempts))) {

			@Override
			public void start(Listener<RespT> responseListener, Metadata headers) {
				startRecorded(responseListener, headers);
			}

			private void startRecorded(Listener<RespT> responseListener, Metadata headers) {
				super.start(new SimpleForwardingClientCallListener<>(responseListener) {

					@Override
					public void onHeaders(Metadata headers) {
						attempts.headersReceived();
						super.onHeaders(headers);
					}

					@Override
					public void onClose(Status status, Metadata trailers) {
						try {
							attempts.callClosed(status, trailers);
						}
						finally {
							super.onClose(status, trailers);
						}
					}

				}, headers);
			}

		};
	}

	// Null when the call's governance could not be read: the call goes on, uncounted.
	private @Nullable CallAttempts callAttempts(MethodMeters meters, MethodDescriptor<?, ?> method) {
		try {
			CallGovernance.Method governance = meters.governance(this.policies.get(), method.getFullMethodName(),
					this.governance);
			governance.callStarted();
			return new CallAttempts(meters, governance);
		}
		catch (RuntimeException ex) {
			this.failures.failed(ex);
			return null;
		}
	}

	/**
	 * The policies calls starting now take.
	 * @return the policies
	 */
	public CallPolicies policies() {
		return this.policies.get();
	}

	/**
	 * Which method config governed this client's calls since it was made.
	 * @return the governance
	 */
	public CallGovernance governance() {
		return this.governance;
	}

	/**
	 * The calls and attempts this interceptor counted since it was made, summed over its methods: the same counts
	 * as its meters, cumulative whatever kind of registry the meters are in.
	 * @return the totals
	 */
	public ClientTotals totals() {
		return this.totals;
	}

	// Null when the meters could not be registered.
	private @Nullable MethodMeters methodMeters(MethodDescriptor<?, ?> method) {
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
				// Built outside the map's lock, since registering runs the application's meter filters; racing first
				// calls may each build one, the registry hands both the same meters, and the first kept serves all.
				MethodMeters built = new MethodMeters(this.registry, this.client, name, this.failures, this.totals);
				meters = this.methods.putIfAbsent(name, built);
				if (meters == null) {
					meters = built;
				}
			}
			return meters;
		}
		catch (RuntimeException ex) {
			this.failures.failed(ex);
			return null;
		}
	}

}
