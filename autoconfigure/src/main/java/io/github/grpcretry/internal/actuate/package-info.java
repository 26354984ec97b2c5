/**
 * Internal, not part of the public API: what operations tools show of the clients: a view of each client's channel
 * settings, service config, connectivity and figures, the {@code grpcclients} actuator endpoint and its web extension,
 * and the {@code grpcClients} health contributor of Spring Boot 4 (Spring Boot 3.5's lives in the
 * {@code grpc-retry-spring-boot-autoconfigure-boot3} module, compiled against its health types).
 */
@NullMarked
package io.github.grpcretry.internal.actuate;

import org.jspecify.annotations.NullMarked;
