package io.github.grpcretry.channel;

import io.github.grpcretry.internal.channel.GuardedChannelBuilder;
import io.grpc.ManagedChannelBuilder;

/**
 * Callback to customize the builder of a client's channel before it is built, for example to add interceptors.
 * Every customizer bean is called for every client, in {@code @Order}; check the client name to customize one.
 * The builder handed over forwards to the transport's builder but is not it: a cast to {@code NettyChannelBuilder}
 * fails (use {@link #transportBuilder(ManagedChannelBuilder, Class)}), and a call that would drop the client's configured retries ({@code defaultServiceConfig(...)},
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
	 * @param builder the starter's forwarding builder, with the client's channel settings already applied;
	 * its service config is applied after the last customizer
	 */
	void customize(String clientName, ManagedChannelBuilder<?> builder);

	/**
	 * The transport's own builder behind the one a customizer is handed, for settings that only it has (such as
	 * {@code NettyChannelBuilder}'s event loop group). Settings made on it bypass the starter's checks; the starter
	 * applies the client's service config, its retry switch, its service-config lookup and its attempt caps to it
	 * again after the last customizer, so they hold whatever is set there.
	 * <pre>{@code
	 * RetryChannelBuilderCustomizer.transportBuilder(builder, NettyChannelBuilder.class).eventLoopGroup(group);
	 * }</pre>
	 * @param <T> the transport builder's type
	 * @param builder the builder handed to {@link #customize}
	 * @param type the transport builder's type, such as {@code NettyChannelBuilder.class}
	 * @return the transport's builder
	 * @throws IllegalArgumentException if the client's transport builder is not of that type
	 */
	static <T extends ManagedChannelBuilder<?>> T transportBuilder(ManagedChannelBuilder<?> builder, Class<T> type) {
		if (builder instanceof GuardedChannelBuilder guarded) {
			return guarded.transportBuilder(type);
		}
		if (!type.isInstance(builder)) {
			throw new IllegalArgumentException("The builder is a " + builder.getClass().getName() + ", not a "
					+ type.getName());
		}
		return type.cast(builder);
	}

}
