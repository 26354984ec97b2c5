/**
 * Internal, not part of the public API: how {@code grpc.clients.*} is bound (client names however they are spelt,
 * status codes, durations in the service config's JSON form).
 */
@NullMarked
package io.github.grpcretry.internal.properties;

import org.jspecify.annotations.NullMarked;
