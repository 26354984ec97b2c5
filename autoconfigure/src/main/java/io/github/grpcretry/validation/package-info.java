/**
 * What a start-up fails with when the client properties break gRFC A6's or grpc-java's rules: one
 * {@link io.github.grpcretry.validation.InvalidGrpcClientPropertiesException} naming every
 * {@link io.github.grpcretry.validation.Violation} at once, reported through Spring Boot's failure analysis.
 */
@NullMarked
package io.github.grpcretry.validation;

import org.jspecify.annotations.NullMarked;
