package io.github.grpcretry.channel;

import io.grpc.ManagedChannelBuilder;

/**
 * Callback to customize the builder of a client's channel before it is built, for example to add interceptors.
 * Every customizer bean is called for every client, in {@code @Order}; check the client name to customize one.
 * Named apart from Spring gRPC's {@code org.springframework.grpc.client.GrpcChannelBuilderCustomizer}, which
 * applications may have on the class path too.
 *
 * <pre>{@code
 * @Bean
 * RetryChannelBuilderCustomizer authentication(TokenInterceptor tokens) {
 *     return (client, builder) -> {
 *         if (client.equals("echo")) {
 *             builder.intercept(tokens);
 *         }
 *     };
 * }
 * }</pre>
 */
@FunctionalInterface
public interface RetryChannelBuilderCustomizer {

	/**
	 * Customizes the builder of one client's channel.
	 * @param clientName the client's name, its key under {@code grpc.clients}
	 * @param builder the builder, with the client's properties already applied
	 */
	void customize(String clientName, ManagedChannelBuilder<?> builder);

}
