package io.github.grpcretry.boot3;

import io.github.grpcretry.internal.actuate.ClientHealthReport;
import io.github.grpcretry.internal.actuate.GrpcClientsView;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * The health of one client on Spring Boot 3.5: {@code DOWN} in {@code TRANSIENT_FAILURE}, with its connectivity
 * state and target as details. Reading it never connects a channel.
 */
class Boot3GrpcClientHealthIndicator implements HealthIndicator {

	private final GrpcClientsView clients;

	private final String clientName;

	/**
	 * Creates the indicator of a client.
	 * @param clients the view of the clients
	 * @param clientName the client's name
	 */
	Boot3GrpcClientHealthIndicator(GrpcClientsView clients, String clientName) {
		this.clients = clients;
		this.clientName = clientName;
	}

	@Override
	public Health health() {
		ClientHealthReport report = this.clients.healthReport(this.clientName);
		// Spring Boot's status codes are the names of ClientHealth's constants.
		return Health.status(report.health().name()).withDetails(report.details()).build();
	}

}
