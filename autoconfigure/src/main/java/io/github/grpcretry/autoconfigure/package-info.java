/**
 * Spring Boot auto-configuration: binds {@code grpc.clients.*}, verifies it, and registers one
 * {@code ManagedChannel} bean per client, counted when a {@code MeterRegistry} exists and traced when an
 * {@code ObservationRegistry} exists. Channels that Spring gRPC or Spring Boot 4.1's
 * own client build are the {@code io.github.grpcretry.springgrpc} package's.
 */
@NullMarked
package io.github.grpcretry.autoconfigure;

import org.jspecify.annotations.NullMarked;
