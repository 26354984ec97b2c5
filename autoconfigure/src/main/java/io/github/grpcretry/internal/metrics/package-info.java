/**
 * Internal, not part of the public API: per-attempt gRPC client metrics in Micrometer, and observations of each call
 * and of its attempts after the first; plain grpc-java and Micrometer, usable without Spring.
 */
@NullMarked
package io.github.grpcretry.internal.metrics;

import org.jspecify.annotations.NullMarked;
