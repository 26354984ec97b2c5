/**
 * Builds one retry-enabled {@code ManagedChannel} per configured client and shuts them down gracefully.
 */
@NullMarked
package io.github.grpcretry.channel;

import org.jspecify.annotations.NullMarked;
