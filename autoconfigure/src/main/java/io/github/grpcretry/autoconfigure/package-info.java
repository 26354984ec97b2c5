/**
 * Spring Boot auto-configuration: binds {@code grpc.clients.*}, verifies it, and registers one
 * {@code ManagedChannel} bean per client, instrumented when a {@code MeterRegistry} exists.
 */
package io.github.grpcretry.autoconfigure;
