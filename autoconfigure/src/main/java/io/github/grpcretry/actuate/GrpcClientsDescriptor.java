package io.github.grpcretry.actuate;

import java.util.Map;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * What the {@code grpcclients} endpoint shows: every client, by name. An {@link OperationResponseBody}, so that it is written by the actuator's own JSON
 * mapper, which the application's settings (naming strategy, inclusion) do not change.
 *
 * @param clients the clients by name
 */
public record GrpcClientsDescriptor(Map<String, GrpcClientDescriptor> clients) implements OperationResponseBody {
}
