package io.github.grpcretry.autoconfigure;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.github.grpcretry.channel.RetryChannelBuilderCustomizer;
import io.github.grpcretry.internal.metrics.AttemptMetricsInterceptor;
import io.github.grpcretry.internal.metrics.CallGovernance;
import io.github.grpcretry.internal.metrics.ClientTotals;
import io.github.grpcretry.internal.serviceconfig.CallPolicies;
import io.github.grpcretry.internal.serviceconfig.RetryBuffers;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Instruments every channel with {@link AttemptMetricsInterceptor}, outermost, when a {@link MeterRegistry} or an
 * {@link ObservationRegistry} bean exists: one interceptor per client, made for its first channel and reused for
 * every channel built for it later, so that building again keeps nothing more and counts every call once.
 */
final class AttemptMetricsCustomizer implements RetryChannelBuilderCustomizer {

	private final Supplier<@Nullable MeterRegistry> meterRegistry;

	private final Supplier<@Nullable ObservationRegistry> observationRegistry;

	// What the calls of each client are judged by: the policies of its config in effect, and its retry buffer.
	private final Function<String, ClientCalls> clients;

	// One per configured client: bounded by the configuration.
	private final Map<String, AttemptMetricsInterceptor> interceptors = new ConcurrentHashMap<>();

	/**
	 * Creates the customizer.
	 * @param meterRegistry the registry to count in, or {@code null} for none (metrics turned off)
	 * @param observationRegistry the registry to observe attempts in, or {@code null} for none
	 * @param clients what the calls of each client are judged by
	 */
	AttemptMetricsCustomizer(Supplier<@Nullable MeterRegistry> meterRegistry,
			Supplier<@Nullable ObservationRegistry> observationRegistry, Function<String, ClientCalls> clients) {
		this.meterRegistry = meterRegistry;
		this.observationRegistry = observationRegistry;
		this.clients = clients;
	}

	/**
	 * What the calls of one client are judged by.
	 *
	 * @param policies the policies of the config grpc-java holds, read at each call's start
	 * @param bufferLimit the fewest request bytes that overflow a call's retry buffer
	 */
	record ClientCalls(Supplier<CallPolicies> policies, LongSupplier bufferLimit) {

		/** A channel whose policies are unknown, with grpc-java's own per-call buffer of 1 MiB. */
		static final ClientCalls UNKNOWN = new ClientCalls(CallPolicies::unknown, RetryBuffers::grpcCallLimit);

	}

	@Override
	public void customize(String clientName, ManagedChannelBuilder<?> builder) {
		AttemptMetricsInterceptor interceptor = this.interceptors.get(clientName);
		if (interceptor == null) {
			interceptor = newInterceptor(clientName);
			if (interceptor == null) {
				return;
			}
			AttemptMetricsInterceptor first = this.interceptors.putIfAbsent(clientName, interceptor);
			if (first != null) {
				interceptor = first;
			}
		}
		builder.intercept(interceptor);
	}

	private @Nullable AttemptMetricsInterceptor newInterceptor(String clientName) {
		MeterRegistry registry = this.meterRegistry.get();
		ObservationRegistry observations = this.observationRegistry.get();
		if (registry == null && observations == null) {
			return null;
		}
		if (registry == null) {
			// Attempts are observed by the tracer that counts them; with no registry their meters go nowhere.
			registry = new CompositeMeterRegistry();
		}
		ClientCalls calls = this.clients.apply(clientName);
		return new AttemptMetricsInterceptor(registry, clientName, calls.policies(),
				GrpcClientsProperties.CLIENTS + "." + clientName + ".method-config", calls.bufferLimit());
	}

	/**
	 * A client's calls and attempts since start, as its interceptor counted them.
	 * @param clientName the client's name
	 * @return its totals, or {@code null} while no channel of the client was instrumented
	 */
	@Nullable ClientTotals totals(String clientName) {
		AttemptMetricsInterceptor interceptor = this.interceptors.get(clientName);
		return (interceptor != null) ? interceptor.totals() : null;
	}

	/**
	 * Which method config governed a client's calls since start.
	 * @param clientName the client's name
	 * @return its governance, or {@code null} while no channel of the client was instrumented
	 */
	@Nullable CallGovernance governance(String clientName) {
		AttemptMetricsInterceptor interceptor = this.interceptors.get(clientName);
		return (interceptor != null) ? interceptor.governance() : null;
	}

}
