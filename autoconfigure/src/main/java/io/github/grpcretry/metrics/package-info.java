/**
 * Per-attempt gRPC client metrics in Micrometer: plain grpc-java and Micrometer, usable without Spring.
 */
package io.github.grpcretry.metrics;
