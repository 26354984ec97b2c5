package io.github.grpcretry.benchmarks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.channel.GrpcChannelBuilderCustomizer;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;

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
	public static StarterChannels start(Map<String, Object> properties, MeterRegistry registry, boolean inProcess) {
		AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
		context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("benchmark", properties));
		if (registry != null) {
			context.registerBean(MeterRegistry.class, () -> registry);
		}
		if (inProcess) {
			context.registerBean(GrpcChannelBuilderCustomizer.class,
					() -> (client, builder) -> builder.directExecutor());
		}
		context.register(GrpcRetryAutoConfiguration.class);
		context.refresh();
		return new StarterChannels(context);
	}

	/**
	 * The properties of one client with the benchmarks' retry policy, which a server that always answers OK never
	 * triggers.
	 * @param client the client's name
	 * @param address the client's address
	 * @return the properties
	 */
	public static Map<String, Object> clientWithRetryPolicy(String client, String address) {
		String prefix = "grpc.clients." + client + ".";
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put(prefix + "address", address);
		properties.put(prefix + "negotiation-type", "plaintext");
		properties.put(prefix + "method-config[0].name[0].service", "echo.Echo");
		properties.put(prefix + "method-config[0].retry-policy.max-attempts", "3");
		properties.put(prefix + "method-config[0].retry-policy.initial-backoff", "1ms");
		properties.put(prefix + "method-config[0].retry-policy.max-backoff", "1ms");
		properties.put(prefix + "method-config[0].retry-policy.backoff-multiplier", "1.0");
		properties.put(prefix + "method-config[0].retry-policy.retryable-status-codes", "UNAVAILABLE");
		return properties;
	}

	/**
	 * The same retry policy as {@link #clientWithRetryPolicy}, as grpc-java's service-config map.
	 * @return the service config
	 */
	public static Map<String, Object> serviceConfigWithRetryPolicy() {
		Map<String, Object> retryPolicy = new LinkedHashMap<>();
		retryPolicy.put("maxAttempts", 3.0);
		retryPolicy.put("initialBackoff", "0.001s");
		retryPolicy.put("maxBackoff", "0.001s");
		retryPolicy.put("backoffMultiplier", 1.0);
		retryPolicy.put("retryableStatusCodes", List.of("UNAVAILABLE"));
		Map<String, Object> methodConfig = new LinkedHashMap<>();
		methodConfig.put("name", List.of(Map.of("service", "echo.Echo")));
		methodConfig.put("retryPolicy", retryPolicy);
		return Map.of("methodConfig", List.of(methodConfig));
	}

	/**
	 * The channel of a client.
	 * @param client the client's name
	 * @return its channel
	 */
	public ManagedChannel channel(String client) {
		return this.context.getBean(client + "ManagedChannel", ManagedChannel.class);
	}

	@Override
	public void close() {
		this.context.close();
	}

}
