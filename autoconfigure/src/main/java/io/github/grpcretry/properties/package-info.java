/**
 * Typed {@code grpc.clients.*} properties: what a user writes in {@code application.yml}, bound as immutable records.
 */
package io.github.grpcretry.properties;
