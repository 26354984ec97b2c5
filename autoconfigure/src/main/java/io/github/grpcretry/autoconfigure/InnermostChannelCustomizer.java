package io.github.grpcretry.autoconfigure;

import io.github.grpcretry.channel.RetryChannelBuilderCustomizer;
import io.grpc.ManagedChannelBuilder;

/**
 * Adds what must sit innermost on every starter channel, nearest the transport: the channel factory calls it for
 * each client's builder before any {@link RetryChannelBuilderCustomizer}, so that every interceptor those add runs
 * before it on a call. Free of Micrometer's types, so that the factory can ask for it whether Micrometer is on the
 * class path or not.
 */
@FunctionalInterface
interface InnermostChannelCustomizer {

	/**
	 * Customizes a client's builder before the {@link RetryChannelBuilderCustomizer}s do.
	 * @param clientName the client's key under {@code grpc.clients}
	 * @param builder the channel's builder
	 */
	void customize(String clientName, ManagedChannelBuilder<?> builder);

}
