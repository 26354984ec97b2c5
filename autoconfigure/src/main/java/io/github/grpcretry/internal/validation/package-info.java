/**
 * Internal, not part of the public API: checks the client properties against gRFC A6 and grpc-java's rules before
 * any channel is built, and collects every problem at once.
 */
@NullMarked
package io.github.grpcretry.internal.validation;

import org.jspecify.annotations.NullMarked;
