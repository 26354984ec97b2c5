package io.github.grpcretry.channel;

import java.util.Map;

/**
 * Callback to amend the service config of a client's channel before it is handed to grpc-java, for what has no
 * property, such as {@code healthCheckConfig} or {@code loadBalancingConfig}. Every customizer bean is called for
 * every client, in {@code @Order}, with a mutable copy of the service config that the client's properties make (and
 * that the customizers before it amended), as grpc-java takes it: the JSON form of
 * {@code grpc.service_config.ServiceConfig} as maps and lists, numbers as {@link Double}, durations as strings such
 * as {@code "0.05s"}. What the last customizer leaves is what grpc-java gets and what the {@code grpcclients}
 * endpoint shows. Each amendment is checked as grpc-java parses it; one that grpc-java would refuse, or a setting it
 * would ignore (a retry policy's {@code perAttemptRecvTimeout}), fails start-up naming the client and the
 * customizer. Named apart from Spring Boot 4.1's {@code GrpcClientDefaultServiceConfigCustomizer}, which applies to
 * Spring Boot's own channels.
 *
 * <pre>{@code
 * @Bean
 * RetryServiceConfigCustomizer healthChecks() {
 *     return (client, serviceConfig) -> {
 *         if (client.equals("echo")) {
 *             serviceConfig.put("healthCheckConfig", Map.of("serviceName", "echo.Echo"));
 *         }
 *     };
 * }
 * }</pre>
 */
@FunctionalInterface
public interface RetryServiceConfigCustomizer {

	/**
	 * Amends the service config of one client's channel.
	 * @param clientName the client's name, its key under {@code grpc.clients}
	 * @param serviceConfig the service config, mutable at every level; empty when the properties make none
	 */
	void customize(String clientName, Map<String, Object> serviceConfig);

}
