package io.github.grpcretry.internal.actuate;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import io.github.grpcretry.actuate.GrpcClientDescriptor;
import io.github.grpcretry.actuate.GrpcClientsDescriptor;
import io.github.grpcretry.properties.Retries;
import io.github.grpcretry.channel.ServiceConfigChangeListener;
import io.github.grpcretry.internal.channel.ChannelSettings;
import io.github.grpcretry.internal.channel.ClientServiceConfig;
import io.github.grpcretry.internal.refresh.GrpcClientsRefresher;
import io.grpc.ConnectivityState;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.convert.ConversionException;
import org.springframework.core.env.PropertyResolver;

/**
 * The {@code grpcclients} actuator endpoint: every client's target, negotiation type, load-balancing policy, service
 * config in effect exactly as handed to grpc-java (where it came from, when it last changed), connectivity state and
 * figures so far; never an SSL bundle's material, its name at most. Its one write operation is the incident switch,
 * which turns a client's retries off or back to the configured ones. Technology-neutral, as Spring Boot's
 * {@code LoggersEndpoint}: over JMX its operations answer as written here, a refused switch is an
 * {@link InvalidEndpointRequestException} with the reason; over HTTP {@link GrpcClientsEndpointWebExtension} adds the
 * statuses. The endpoint is read-only unless the application grants more
 * ({@code management.endpoint.grpcclients.access=unrestricted}), and the switch takes that grant from the
 * {@code access} keys only, never from the deprecated {@code enabled} keys that Spring Boot still maps to
 * unrestricted access, on every technology alike.
 */
@Endpoint(id = "grpcclients", defaultAccess = Access.READ_ONLY)
public class GrpcClientsEndpoint {

	private final GrpcClientsView clients;

	private final SwitchAccess switchAccess;

	/**
	 * Creates the endpoint: its switch writes only when the {@code access} keys of the given properties grant the
	 * endpoint unrestricted access, and is refused naming the key to set otherwise. Code that decides itself who may
	 * switch a client's retries calls {@link GrpcClientsView#switchRetries} instead.
	 * @param clients the view of the clients it reports
	 * @param properties the application's environment, where the {@code management.endpoint(s).access} keys are read
	 */
	public GrpcClientsEndpoint(GrpcClientsView clients, PropertyResolver properties) {
		this.clients = clients;
		this.switchAccess = SwitchAccess.of(properties);
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
		ClientServiceConfig.State serviceConfig = this.clients.serviceConfig(name);
		if (settings == null || serviceConfig == null) {
			return null;
		}
		ConnectivityState state = this.clients.state(name);
		ClientServiceConfig.PendingChange pending = serviceConfig.pendingChange();
		Retries retries = serviceConfig.retriesOff() ? Retries.OFF : Retries.CONFIGURED;
		return new GrpcClientDescriptor(settings.target(), settings.negotiationType(), settings.sslBundle(),
				serviceConfig.loadBalancingPolicy(), Collections.unmodifiableMap(serviceConfig.serviceConfig()),
				serviceConfig.serviceConfigDigest(), retries.value(), serviceConfig.retriesConfigured().value(),
				serviceConfig.retriesOverridden(),
				serviceConfig.source().value(), serviceConfig.changedAt().toString(),
				(pending != null) ? Collections.unmodifiableMap(pending.serviceConfig()) : null,
				serviceConfig.pendingRestart(), (state != null) ? state.name() : null, this.clients.figures(name));
	}

	/**
	 * The incident switch: overrides the configuration to turn a client's retries off ({@link Retries#OFF}: every
	 * method makes one attempt, no hedging; timeouts and the rest kept) on this instance, or drops the override, back
	 * to what the configuration says now, whose {@code retries} may itself be {@code off} ({@link Retries#CONFIGURED}),
	 * for the calls that start from now on. It wins over every other source of the client's service config while it
	 * is off. Waits up to 2 seconds for grpc-java to take the change; a change it has not taken by then is shown under
	 * {@code pendingServiceConfig} and taken with the name resolver's next good result.
	 * @param name the client's name
	 * @param retries {@code off} or {@code configured}, in any case
	 * @return the client as it is now
	 * @throws InvalidEndpointRequestException with the reason, and every violation, when the switch is refused: no
	 * {@code access} key grants writes (naming the key to set), no client has the name, its channel cannot take a
	 * change while it runs (in-process, or an xDS target, whose control plane supplies its config), or, for
	 * {@code configured}, the configuration now breaks a start-up rule or cannot run on the channel (the retries stay
	 * as they are)
	 */
	@WriteOperation
	public GrpcClientDescriptor switchRetries(@Selector String name, Retries retries) {
		return switched(name, retries).client();
	}

	// The switch as every technology answers it: the web extension gives each answer its HTTP status.
	Switched switched(String name, Retries retries) {
		String refusal = this.switchAccess.refusal();
		if (refusal != null) {
			throw new SwitchRefusedException(SwitchRefusedException.Reason.ACCESS, refusal, List.of());
		}
		if (this.clients.settings(name) == null) {
			throw new SwitchRefusedException(SwitchRefusedException.Reason.UNKNOWN_CLIENT,
					"no gRPC client is named '" + name + "'", List.of());
		}
		GrpcClientsRefresher.Outcome outcome;
		try {
			outcome = this.clients.switchRetries(name, retries == Retries.OFF);
		}
		catch (IllegalStateException ex) {
			throw new SwitchRefusedException(SwitchRefusedException.Reason.REFUSED, String.valueOf(ex.getMessage()),
					List.of());
		}
		if (outcome.result() == ServiceConfigChangeListener.Result.REFUSED) {
			throw new SwitchRefusedException(SwitchRefusedException.Reason.REFUSED,
					"the configuration of gRPC client '" + name + "' breaks " + outcome.violations().size()
							+ " rule(s), so its retries stay as they are; fix them and ask again",
					outcome.violations());
		}
		// Clients are never removed while the application runs: the one just switched is there.
		GrpcClientDescriptor client = Objects.requireNonNull(client(name));
		return new Switched(client, outcome.result() == ServiceConfigChangeListener.Result.PENDING);
	}

	// As Spring Boot maps an endpoint's enum parameter on every technology (lenient: "off", "OFF", "Off").
	static @Nullable Retries retries(String value) {
		try {
			return ApplicationConversionService.getSharedInstance().convert(value, Retries.class);
		}
		catch (ConversionException ex) {
			return null;
		}
	}

	/**
	 * A switch made: the client as it is now, and whether grpc-java has yet to take the change.
	 */
	record Switched(GrpcClientDescriptor client, boolean pending) {
	}

}
