/**
 * Turns typed client properties into the service-config map that grpc-java's
 * {@code ManagedChannelBuilder.defaultServiceConfig} takes. Pure functions, no Spring.
 */
package io.github.grpcretry.serviceconfig;
