package io.github.grpcretry.benchmarks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.channel.RetryChannelBuilderCustomizer;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.env.OriginTrackedMapPropertySource;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * Starts the starter's auto-configuration as an application would, with {@code grpc.clients.*} properties, and
 * hands out the channels it built. The same retry policy is written once as properties, for the starter, and once
 * as grpc-java's map, for the plain channels, so that every variant runs the same service config.
 */
public final class StarterChannels implements AutoCloseable {

	private final AnnotationConfigApplicationContext context;

	private StarterChannels(AnnotationConfigApplicationContext context) {
		this.context = context;
	}

	/**
	 * Starts a context with the given client properties.
	 * @param properties the {@code grpc.clients.*} properties
	 * @param registry the meter registry bean, or {@code null} for none
	 * @param inProcess whether to give in-process channels a direct executor, as the plain channels get
	 * @return the started context
	 */
	public static StarterChannels start(Map<String, Object> properties, @Nullable MeterRegistry registry,
			boolean inProcess) {
		return start(properties, registry, null, inProcess);
	}

	/**
	 * Starts a context with the given client properties and an observation registry, as with tracing on.
	 * @param properties the {@code grpc.clients.*} properties
	 * @param registry the meter registry bean, or {@code null} for none
	 * @param observationRegistry the observation registry bean, or {@code null} for none
	 * @param inProcess whether to give in-process channels a direct executor, as the plain channels get
	 * @return the started context
	 */
	public static StarterChannels start(Map<String, Object> properties, @Nullable MeterRegistry registry,
			@Nullable ObservationRegistry observationRegistry, boolean inProcess) {
		AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
		// Immutable, as Spring Boot loads application.yml; a mutable source is re-read by the binder at every lookup.
		context.getEnvironment()
			.getPropertySources()
			.addFirst(new OriginTrackedMapPropertySource("benchmark", Map.copyOf(properties), true));
		if (registry != null) {
			context.registerBean(MeterRegistry.class, () -> registry);
		}
		if (observationRegistry != null) {
			context.registerBean(ObservationRegistry.class, () -> observationRegistry);
		}
		if (inProcess) {
			context.registerBean(RetryChannelBuilderCustomizer.class,
					() -> (client, builder) -> builder.directExecutor());
		}
		context.register(GrpcRetryAutoConfiguration.class);
		context.refresh();
		return new StarterChannels(context);
	}

	/**
	 * The properties of one plaintext client without any method config: no retry, no hedging.
	 * @param client the client's name
	 * @param address the client's address
	 * @return the properties
	 */
	public static Map<String, Object> client(String client, String address) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put(prefix(client) + "address", address);
		properties.put(prefix(client) + "negotiation-type", "plaintext");
		return properties;
	}

	/**
	 * The properties of one client with the benchmarks' retry policy, which a server that always answers OK never
	 * triggers.
	 * @param client the client's name
	 * @param address the client's address
	 * @return the properties
	 */
	public static Map<String, Object> clientWithRetryPolicy(String client, String address) {
		return clientWithRetryPolicy(client, address, "0.001s");
	}

	/**
	 * The properties of one client with the benchmarks' retry policy (3 attempts on {@code UNAVAILABLE}) and the
	 * given backoff.
	 * @param client the client's name
	 * @param address the client's address
	 * @param backoff initial and maximum backoff, in the protobuf form ({@code 0.001s}) both forms accept
	 * @return the properties
	 */
	public static Map<String, Object> clientWithRetryPolicy(String client, String address, String backoff) {
		String prefix = prefix(client) + "method-config[0].";
		Map<String, Object> properties = client(client, address);
		properties.put(prefix + "name[0].service", "echo.Echo");
		properties.put(prefix + "retry-policy.max-attempts", "3");
		properties.put(prefix + "retry-policy.initial-backoff", backoff);
		properties.put(prefix + "retry-policy.max-backoff", backoff);
		properties.put(prefix + "retry-policy.backoff-multiplier", "1.0");
		properties.put(prefix + "retry-policy.retryable-status-codes", "UNAVAILABLE");
		return properties;
	}

	/**
	 * The properties of one client with a hedging policy for the echo service.
	 * @param client the client's name
	 * @param address the client's address
	 * @param maxAttempts the attempts of a call, the first included
	 * @param hedgingDelay the delay before each further attempt, such as {@code 2ms}
	 * @return the properties
	 */
	public static Map<String, Object> clientWithHedgingPolicy(String client, String address, int maxAttempts,
			String hedgingDelay) {
		String prefix = prefix(client) + "method-config[0].";
		Map<String, Object> properties = client(client, address);
		properties.put(prefix + "name[0].service", "echo.Echo");
		properties.put(prefix + "hedging-policy.max-attempts", String.valueOf(maxAttempts));
		properties.put(prefix + "hedging-policy.hedging-delay", hedgingDelay);
		return properties;
	}

	/**
	 * The same retry policy as {@link #clientWithRetryPolicy(String, String)}, as grpc-java's service-config map.
	 * @return the service config
	 */
	public static Map<String, Object> serviceConfigWithRetryPolicy() {
		return serviceConfigWithRetryPolicy("0.001s");
	}

	/**
	 * The same retry policy as {@link #clientWithRetryPolicy(String, String, String)}, as grpc-java's
	 * service-config map.
	 * @param backoff initial and maximum backoff, such as {@code 0.001s}
	 * @return the service config
	 */
	public static Map<String, Object> serviceConfigWithRetryPolicy(String backoff) {
		Map<String, Object> retryPolicy = new LinkedHashMap<>();
		retryPolicy.put("maxAttempts", 3.0);
		retryPolicy.put("initialBackoff", backoff);
		retryPolicy.put("maxBackoff", backoff);
		retryPolicy.put("backoffMultiplier", 1.0);
		retryPolicy.put("retryableStatusCodes", List.of("UNAVAILABLE"));
		Map<String, Object> methodConfig = new LinkedHashMap<>();
		methodConfig.put("name", List.of(Map.of("service", "echo.Echo")));
		methodConfig.put("retryPolicy", retryPolicy);
		return Map.of("methodConfig", List.of(methodConfig));
	}

	private static String prefix(String client) {
		return "grpc.clients." + client + ".";
	}

	/**
	 * The channel of a client.
	 * @param client the client's name
	 * @return its channel
	 */
	public ManagedChannel channel(String client) {
		return this.context.getBean(client + "ManagedChannel", ManagedChannel.class);
	}

	/**
	 * How many channels the context built.
	 * @return the number of {@link ManagedChannel} beans
	 */
	public int channelCount() {
		return this.context.getBeansOfType(ManagedChannel.class).size();
	}

	@Override
	public void close() {
		this.context.close();
	}

}
