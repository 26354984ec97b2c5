package io.github.grpcretry.channel;

import io.grpc.ManagedChannelBuilder;

/**
 * Callback to customize the builder of a client's channel before it is built, for example to add interceptors.
 * Every customizer bean is called for every client, in {@code @Order}; check the client name to customize one.
 * The builder handed over is the starter's {@link GuardedChannelBuilder}, which forwards to the transport's builder
 * but is not it: a cast to {@code NettyChannelBuilder} fails (use {@link GuardedChannelBuilder#transportBuilder}),
 * and a call that would drop the client's configured retries ({@code defaultServiceConfig(...)},
 * {@code disableRetry()}) fails start-up naming the customizer. Amend the service config with a
 * {@link RetryServiceConfigCustomizer} instead.
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
	 * @param builder the starter's {@link GuardedChannelBuilder}, with the client's channel settings already applied;
	 * its service config is applied after the last customizer
	 */
	void customize(String clientName, ManagedChannelBuilder<?> builder);

}
