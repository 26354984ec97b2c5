/**
 * Typed {@code grpc.clients.*} properties: what a user writes in {@code application.yml}, bound as immutable records,
 * one client per name however it is spelt.
 */
@NullMarked
package io.github.grpcretry.properties;

import org.jspecify.annotations.NullMarked;
