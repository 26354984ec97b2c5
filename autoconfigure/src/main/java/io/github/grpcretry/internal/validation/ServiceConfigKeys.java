package io.github.grpcretry.internal.validation;

/**
 * The key names a property tree gives a service config, so that one set of rules reports the paths and fixes of
 * each tree: the starter's {@code grpc.clients.<name>} or Spring Boot 4.1's
 * {@code spring.grpc.client.channel.<name>.service-config}.
 *
 * @param owner what the tree calls the thing whose service config it is: a client or a channel
 * @param methodConfig the list of method configs
 * @param retryPolicy a method config's retry policy
 * @param hedgingPolicy a method config's hedging policy
 * @param hedgingDelay a hedging policy's delay between attempts
 * @param maxRequestMessage a method config's largest request message
 * @param maxResponseMessage a method config's largest response message
 * @param retryThrottling the retry throttling
 */
public record ServiceConfigKeys(String owner, String methodConfig, String retryPolicy, String hedgingPolicy,
		String hedgingDelay, String maxRequestMessage, String maxResponseMessage, String retryThrottling) {

	/** The starter's keys, under {@code grpc.clients.<name>}. */
	public static final ServiceConfigKeys GRPC_CLIENTS = new ServiceConfigKeys("client", "method-config",
			"retry-policy", "hedging-policy", "hedging-delay", "max-request-message-bytes", "max-response-message-bytes",
			"retry-throttling");

	/** Spring Boot 4.1's keys, under {@code spring.grpc.client.channel.<name>.service-config}. */
	public static final ServiceConfigKeys SPRING_BOOT = new ServiceConfigKeys("channel", "method", "retry",
			"hedging", "delay", "max-request-message", "max-response-message", "retrythrottling");

}
