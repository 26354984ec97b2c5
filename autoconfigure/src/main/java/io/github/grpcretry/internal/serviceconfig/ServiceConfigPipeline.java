package io.github.grpcretry.internal.serviceconfig;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.github.grpcretry.channel.InvalidChannelCustomizationException;
import io.github.grpcretry.channel.RetryServiceConfigCustomizer;
import io.github.grpcretry.properties.ClientProperties;
import io.grpc.ManagedChannelBuilder;
import org.jspecify.annotations.Nullable;

/**
 * The one way a client's properties become the service config its channel is handed, at start-up and at every change
 * alike: the map its properties make ({@link ServiceConfigMapper}), amended by each
 * {@link RetryServiceConfigCustomizer} in turn, every amendment checked as grpc-java takes it; for a running channel
 * also its load-balancing policy carried in the config, its attempt cap kept, and the whole parsed by grpc-java, so
 * that nothing grpc-java would refuse reaches it. Plain Java over grpc-java: testable without a Spring context, on
 * any transport.
 */
public final class ServiceConfigPipeline {

	private final Transport transport;

	private final List<RetryServiceConfigCustomizer> customizers;

	private final Function<Object, String> customizerNames;

	/**
	 * Creates the pipeline.
	 * @param transport what it needs of the clients' transports
	 * @param customizers called for every client's service config, in order
	 * @param customizerNames names a customizer in a start-up failure (in a Spring context: its bean name and class)
	 */
	public ServiceConfigPipeline(Transport transport, List<RetryServiceConfigCustomizer> customizers,
			Function<Object, String> customizerNames) {
		this.transport = transport;
		this.customizers = List.copyOf(customizers);
		this.customizerNames = customizerNames;
	}

	/**
	 * The service config a client's channel is built with: what its properties make, amended by the customizers.
	 * @param clientName the client's key under {@code grpc.clients}
	 * @param client the client's properties, validated
	 * @return the service config as grpc-java takes it, unmodifiable at every level (empty: none)
	 * @throws InvalidChannelCustomizationException if grpc-java would refuse or ignore what a customizer added
	 */
	public Map<String, Object> serviceConfig(String clientName, ClientProperties client) {
		return ServiceConfigAmendments.amend(clientName, ServiceConfigMapper.toServiceConfig(client), this.customizers,
				this.customizerNames, (amended) -> probe(client, amended));
	}

	/**
	 * The service config a client's re-bound properties make for its running channel: their method configs and retry
	 * throttling, amended by the customizers as at start-up, with their load-balancing policy; checked against the
	 * running channel's attempt cap and parsed by grpc-java. The caller has validated the properties by the start-up
	 * rules, and checked that every other property is as the channel was built with.
	 * @param clientName the client's key under {@code grpc.clients}
	 * @param client the client's new properties
	 * @param builtPolicy the load-balancing policy the running channel was built with, its default
	 * @param attemptCap the running channel's cap on attempts, or 0 while none runs
	 * @return the service config and load-balancing policy
	 * @throws InvalidChannelCustomizationException if a customizer's amendment is refused
	 * @throws IllegalStateException if the amended config needs more attempts than the running channel's cap, or
	 * grpc-java refuses it
	 */
	public Configured forRunningChannel(String clientName, ClientProperties client, @Nullable String builtPolicy,
			int attemptCap) {
		String policy = this.transport.loadBalancingPolicy(client);
		Map<String, Object> configured = ServiceConfigMapper.toServiceConfig(client);
		// The channel's default policy is the one it was built with; another one travels in the service config.
		if (policy != null && !policy.equals(builtPolicy)) {
			configured.put("loadBalancingConfig", List.of(Map.of(policy, Map.of())));
		}
		Map<String, Object> serviceConfig = ServiceConfigAmendments.amend(clientName, configured, this.customizers,
				this.customizerNames, (amended) -> probe(client, amended));
		int largest = ServiceConfigMapper.largestMaxAttempts(serviceConfig);
		if (attemptCap > 0 && largest > attemptCap) {
			throw new IllegalStateException("the new service config has a maxAttempts of " + largest + ", above the"
					+ " running channel's cap of " + attemptCap + " attempts, set when it was built; grpc-java would"
					+ " lower it to " + attemptCap + " without a word. Keep every max-attempts at most " + attemptCap
					+ ", or restart the application to raise the cap");
		}
		parse(client, serviceConfig);
		return new Configured(serviceConfig, policy);
	}

	// What the channel's resolver will hand grpc-java, parsed by grpc-java first, so that nothing it would refuse
	// reaches a running channel (which would keep its old config, or fail its calls).
	private void parse(ClientProperties client, Map<String, ?> serviceConfig) {
		try {
			probe(client, serviceConfig).defaultServiceConfig(serviceConfig).build().shutdownNow();
		}
		catch (IllegalArgumentException | ClassCastException ex) {
			String reason = String.valueOf(ex.getMessage()).lines().findFirst().orElse("");
			throw new IllegalStateException("grpc-java refuses the new service config (" + reason + "): "
					+ serviceConfig, ex);
		}
	}

	// A builder of the client's transport on which grpc-java parses a service config: retry enabled and its attempt
	// caps raised to the config's largest maxAttempts.
	private ManagedChannelBuilder<?> probe(ClientProperties client, Map<String, ?> serviceConfig) {
		ManagedChannelBuilder<?> probe = this.transport.newProbe(client).enableRetry();
		AttemptCaps.raise(probe, ServiceConfigMapper.largestMaxAttempts(serviceConfig));
		return probe;
	}

	/**
	 * What the pipeline needs of a client's transport.
	 */
	public interface Transport {

		/**
		 * The load-balancing policy a client's channel takes.
		 * @param client the client's properties
		 * @return the policy's name, or {@code null} for an address that takes none (in-process)
		 */
		@Nullable String loadBalancingPolicy(ClientProperties client);

		/**
		 * A builder of the client's transport, with grpc-java's own resolvers, on which grpc-java parses a service
		 * config; it connects only if used.
		 * @param client the client's properties
		 * @return a new builder
		 */
		ManagedChannelBuilder<?> newProbe(ClientProperties client);

	}

	/**
	 * A service config made for a running channel.
	 *
	 * @param serviceConfig the config, as grpc-java takes it
	 * @param loadBalancingPolicy its load-balancing policy; {@code null} for an in-process address
	 */
	public record Configured(Map<String, Object> serviceConfig, @Nullable String loadBalancingPolicy) {
	}

}
