/**
 * Checks the client properties against gRFC A6 and grpc-java's rules before any channel is built, and reports
 * every problem at once through Spring Boot's failure analysis.
 */
@NullMarked
package io.github.grpcretry.validation;

import org.jspecify.annotations.NullMarked;
