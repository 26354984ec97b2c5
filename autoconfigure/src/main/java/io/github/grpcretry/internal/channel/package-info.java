/**
 * Internal, not part of the public API: builds one retry-enabled {@code ManagedChannel} per configured client,
 * tracks it, hands it each change of its service config through its name resolver, and shuts it down gracefully.
 */
@NullMarked
package io.github.grpcretry.internal.channel;

import org.jspecify.annotations.NullMarked;
