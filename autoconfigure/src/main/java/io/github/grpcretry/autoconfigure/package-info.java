/**
 * Spring Boot auto-configuration: binds {@code grpc.clients.*}, verifies it, and registers one
 * {@code ManagedChannel} bean per client, counted when a {@code MeterRegistry} exists and traced when an
 * {@code ObservationRegistry} exists; on Spring Boot 4.1, also verifies the typed service config of Spring Boot's own gRPC client and hands it to grpc-java exactly.
 */
package io.github.grpcretry.autoconfigure;
