/**
 * The {@code grpcClients} health contributor on Spring Boot 3.5, whose health types
 * ({@code org.springframework.boot.actuate.health}) Spring Boot 4 moved to {@code spring-boot-health}; it reads the
 * same {@link io.github.grpcretry.internal.actuate.GrpcClientsView} as Boot 4's.
 */
@NullMarked
package io.github.grpcretry.boot3;

import org.jspecify.annotations.NullMarked;
