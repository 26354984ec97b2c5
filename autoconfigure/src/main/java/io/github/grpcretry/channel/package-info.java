/**
 * How an application changes the starter's channels: {@link io.github.grpcretry.channel.RetryChannelBuilderCustomizer}
 * for a builder setting, {@link io.github.grpcretry.channel.RetryServiceConfigCustomizer} for what the service config
 * has no property for, {@link io.github.grpcretry.channel.ServiceConfigChangeListener} to hear of each change of a
 * running client's service config, and the exception a refused customization fails start-up with.
 */
@NullMarked
package io.github.grpcretry.channel;

import org.jspecify.annotations.NullMarked;
