/**
 * Builds one retry-enabled {@code ManagedChannel} per configured client and shuts them down gracefully.
 */
package io.github.grpcretry.channel;
