package io.github.grpcretry.actuate;

import java.util.Map;
import java.util.TreeMap;

import io.github.grpcretry.channel.ChannelSettings;
import io.grpc.ConnectivityState;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code grpcclients} actuator endpoint: every client's target, negotiation type, load-balancing policy, service
 * config exactly as handed to grpc-java, connectivity state and figures so far. Read-only; never an SSL bundle's
 * material, its name at most.
 */
@Endpoint(id = "grpcclients")
public class GrpcClientsEndpoint {

	private final GrpcClientsView clients;

	/**
	 * Creates the endpoint.
	 * @param clients the view of the clients it reports
	 */
	public GrpcClientsEndpoint(GrpcClientsView clients) {
		this.clients = clients;
	}

	/**
	 * Every client, by name.
	 * @return the clients
	 */
	@ReadOperation
	public GrpcClientsDescriptor clients() {
		Map<String, GrpcClientDescriptor> clients = new TreeMap<>();
		for (String name : this.clients.clientNames()) {
			GrpcClientDescriptor client = client(name);
			if (client != null) {
				clients.put(name, client);
			}
		}
		return new GrpcClientsDescriptor(clients);
	}

	/**
	 * One client.
	 * @param name the client's name
	 * @return the client, or {@code null} (a 404 over HTTP) for an unknown name
	 */
	@ReadOperation
	public @Nullable GrpcClientDescriptor client(@Selector String name) {
		ChannelSettings settings = this.clients.settings(name);
		if (settings == null) {
			return null;
		}
		ConnectivityState state = this.clients.state(name);
		return new GrpcClientDescriptor(settings.target(), settings.negotiationType(), settings.sslBundle(),
				settings.loadBalancingPolicy(), settings.serviceConfig(), (state != null) ? state.name() : null,
				this.clients.figures(name));
	}

	/**
	 * Every client, by name. An {@link OperationResponseBody}, so that it is written by the actuator's own JSON
	 * mapper, which the application's settings (naming strategy, inclusion) do not change.
	 *
	 * @param clients the clients by name
	 */
	public record GrpcClientsDescriptor(Map<String, GrpcClientDescriptor> clients) implements OperationResponseBody {
	}

	/**
	 * One client.
	 *
	 * @param target the address as configured
	 * @param negotiationType {@code tls} or {@code plaintext}
	 * @param sslBundle the name of its SSL bundle, {@code null} without one
	 * @param loadBalancingPolicy the policy handed to grpc-java, {@code null} for an in-process address
	 * @param serviceConfig the service config handed to grpc-java, numbers as grpc-java reads them
	 * @param state the channel's connectivity state, read without connecting; {@code null} while no channel was built
	 * @param figures its calls and attempts so far; {@code null} without a meter registry
	 */
	public record GrpcClientDescriptor(String target, String negotiationType, @Nullable String sslBundle,
			@Nullable String loadBalancingPolicy, Map<String, Object> serviceConfig, @Nullable String state,
			@Nullable ClientFigures figures) implements OperationResponseBody {
	}

}
