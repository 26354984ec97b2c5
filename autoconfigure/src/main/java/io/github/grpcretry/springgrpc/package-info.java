/**
 * The starter's part in channels that others build: Spring gRPC's channel factories (Spring gRPC 0.9 and 1.0, and
 * Spring Boot 4.1's own gRPC client) get the starter's attempt metrics through Spring gRPC's own extension point, and
 * on Spring Boot 4.1 the typed {@code spring.grpc.client.channel.<name>.service-config} is verified by the starter's
 * rules and handed to grpc-java exactly. Each auto-configuration here names the others' types as strings, so that an
 * application without them loads none.
 */
@NullMarked
package io.github.grpcretry.springgrpc;

import org.jspecify.annotations.NullMarked;
