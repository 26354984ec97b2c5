package io.github.grpcretry.boot3;

import io.github.grpcretry.actuate.ClientHealth;
import io.github.grpcretry.actuate.GrpcClientsView;
import io.github.grpcretry.channel.ChannelSettings;
import io.grpc.ConnectivityState;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;

/**
 * The health of one client on Spring Boot 3.5: {@code DOWN} in {@code TRANSIENT_FAILURE}, with its connectivity
 * state and target as details. Reading it never connects a channel.
 */
public class Boot3GrpcClientHealthIndicator implements HealthIndicator {

	private final GrpcClientsView clients;

	private final String clientName;

	/**
	 * Creates the indicator of a client.
	 * @param clients the view of the clients
	 * @param clientName the client's name
	 */
	public Boot3GrpcClientHealthIndicator(GrpcClientsView clients, String clientName) {
		this.clients = clients;
		this.clientName = clientName;
	}

	@Override
	public Health health() {
		ConnectivityState state = this.clients.state(this.clientName);
		Health.Builder health = Health.status(status(ClientHealth.of(state)))
			.withDetail("state", (state != null) ? state.name() : "NOT_BUILT");
		ChannelSettings settings = this.clients.settings(this.clientName);
		if (settings != null) {
			health.withDetail("target", settings.target());
		}
		return health.build();
	}

	private static Status status(ClientHealth health) {
		return switch (health) {
			case UP -> Status.UP;
			case DOWN -> Status.DOWN;
			case OUT_OF_SERVICE -> Status.OUT_OF_SERVICE;
			case UNKNOWN -> Status.UNKNOWN;
		};
	}

}
