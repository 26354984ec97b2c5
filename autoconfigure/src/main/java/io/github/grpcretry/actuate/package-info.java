/**
 * What operations tools show of the clients: a plain-Java view of each client's channel settings, connectivity and
 * figures ({@link io.github.grpcretry.internal.actuate.GrpcClientsView}), the {@code grpcclients} actuator endpoint, and the
 * {@code grpcClients} health contributor of Spring Boot 4 (Spring Boot 3.5's lives in the
 * {@code grpc-retry-spring-boot-autoconfigure-boot3} module, compiled against its health types).
 */
@NullMarked
package io.github.grpcretry.actuate;

import org.jspecify.annotations.NullMarked;
