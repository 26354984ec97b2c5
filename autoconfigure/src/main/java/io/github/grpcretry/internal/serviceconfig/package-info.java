/**
 * Internal, not part of the public API: turns typed client properties into the service-config map that grpc-java's
 * {@code ManagedChannelBuilder.defaultServiceConfig} takes. Pure functions, no Spring.
 */
@NullMarked
package io.github.grpcretry.internal.serviceconfig;

import org.jspecify.annotations.NullMarked;
