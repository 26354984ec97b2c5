/**
 * Per-attempt gRPC client metrics in Micrometer, and observations of each call and of its attempts after the first:
 * plain grpc-java and Micrometer, usable without Spring.
 */
package io.github.grpcretry.metrics;
