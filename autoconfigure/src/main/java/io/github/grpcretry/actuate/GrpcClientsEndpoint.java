package io.github.grpcretry.actuate;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.github.grpcretry.channel.ServiceConfigChangeListener;
import io.github.grpcretry.internal.channel.ChannelSettings;
import io.github.grpcretry.internal.channel.ClientServiceConfig;
import io.github.grpcretry.internal.refresh.GrpcClientsRefresher;
import io.grpc.ConnectivityState;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.core.env.PropertyResolver;

/**
 * The {@code grpcclients} actuator endpoint: every client's target, negotiation type, load-balancing policy, service
 * config in effect exactly as handed to grpc-java (where it came from, when it last changed), connectivity state and
 * figures so far; never an SSL bundle's material, its name at most. Its one write operation is the incident switch,
 * which turns a client's retries off or back to the configured ones; the endpoint is read-only unless the
 * application grants more ({@code management.endpoint.grpcclients.access=unrestricted}), and the switch takes that
 * grant from the {@code access} keys only, never from the deprecated {@code enabled} keys that Spring Boot still
 * maps to unrestricted access.
 */
@Endpoint(id = "grpcclients", defaultAccess = Access.READ_ONLY)
public class GrpcClientsEndpoint {

	private static final String RETRIES_OFF = "off";

	private static final String RETRIES_CONFIGURED = "configured";

	private static final int STATUS_ACCEPTED = 202;

	private final GrpcClientsView clients;

	private final SwitchAccess switchAccess;

	/**
	 * Creates the endpoint as the auto-configuration does: its switch writes only when the {@code access} keys of the
	 * given properties grant the endpoint unrestricted access, and answers 403 naming the key to set otherwise.
	 * @param clients the view of the clients it reports
	 * @param properties the application's environment, where the {@code management.endpoint(s).access} keys are read
	 */
	public GrpcClientsEndpoint(GrpcClientsView clients, PropertyResolver properties) {
		this(clients, SwitchAccess.of(properties));
	}

	/**
	 * Creates the endpoint with a switch that asks no key: for code that calls it directly and decides itself who
	 * may. A bean that replaces the auto-configured one should take the application's environment instead.
	 * @param clients the view of the clients it reports
	 */
	public GrpcClientsEndpoint(GrpcClientsView clients) {
		this(clients, SwitchAccess.unchecked());
	}

	private GrpcClientsEndpoint(GrpcClientsView clients, SwitchAccess switchAccess) {
		this.clients = clients;
		this.switchAccess = switchAccess;
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
		return new GrpcClientDescriptor(settings.target(), settings.negotiationType(), settings.sslBundle(),
				serviceConfig.loadBalancingPolicy(), Collections.unmodifiableMap(serviceConfig.serviceConfig()),
				serviceConfig.retriesOff() ? RETRIES_OFF : RETRIES_CONFIGURED, serviceConfig.source().value(),
				serviceConfig.changedAt().toString(),
				(pending != null) ? Collections.unmodifiableMap(pending.serviceConfig()) : null,
				serviceConfig.pendingRestart(), (state != null) ? state.name() : null, this.clients.figures(name));
	}

	/**
	 * The incident switch: turns a client's retries off ({@code "off"}: every method makes one attempt, no hedging;
	 * timeouts and the rest kept) or back to what the configuration says ({@code "configured"}), for the calls that
	 * start from now on. It wins over every other source of the client's service config while it is off.
	 * @param name the client's name
	 * @param retries {@code off} or {@code configured}
	 * @return 200 with the client as it is now, once grpc-java has taken the change; 202 with the client, its change
	 * under {@code pendingServiceConfig}, when grpc-java has not taken it yet (its name resolver has no good result:
	 * an error, no addresses); 403, naming the key to set, when no {@code access} key grants writes; 404 for an
	 * unknown client; 400 for another value, for a client whose channel cannot take a change while it runs
	 * (in-process, or an xDS target, whose control plane supplies its config), or, for {@code configured}, with every
	 * violation when the configuration now breaks a start-up rule or cannot run on the channel (the retries stay as
	 * they are)
	 */
	@WriteOperation
	public WebEndpointResponse<Object> switchRetries(@Selector String name, String retries) {
		WebEndpointResponse<Object> refused = this.switchAccess.refusal();
		if (refused != null) {
			return refused;
		}
		if (this.clients.settings(name) == null) {
			return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
		}
		if (!RETRIES_OFF.equals(retries) && !RETRIES_CONFIGURED.equals(retries)) {
			return new WebEndpointResponse<>(Map.of("error", "retries must be \"" + RETRIES_OFF + "\" or \""
					+ RETRIES_CONFIGURED + "\", not \"" + retries + "\""), WebEndpointResponse.STATUS_BAD_REQUEST);
		}
		GrpcClientsRefresher.Outcome outcome;
		try {
			outcome = this.clients.switchRetries(name, RETRIES_OFF.equals(retries));
			if (outcome.result() == ServiceConfigChangeListener.Result.REFUSED) {
				Map<String, Object> body = new LinkedHashMap<>();
				body.put("error", "the configuration of gRPC client '" + name + "' breaks "
						+ outcome.violations().size() + " rule(s), so its retries stay as they are; fix them and"
						+ " ask again");
				body.put("violations", outcome.violations());
				return new WebEndpointResponse<>(body, WebEndpointResponse.STATUS_BAD_REQUEST);
			}
		}
		catch (IllegalStateException ex) {
			return new WebEndpointResponse<>(Map.of("error", ex.getMessage()), WebEndpointResponse.STATUS_BAD_REQUEST);
		}
		return new WebEndpointResponse<>(client(name),
				(outcome.result() == ServiceConfigChangeListener.Result.PENDING) ? STATUS_ACCEPTED
						: WebEndpointResponse.STATUS_OK);
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
	 * @param loadBalancingPolicy the policy in effect, {@code null} for an in-process address
	 * @param serviceConfig the service config in effect: the one grpc-java last took, as handed to it, numbers as
	 * grpc-java reads them; while {@code serviceConfigSource} is {@code resolver}, the target's resolver supplies
	 * the config calls use instead, which grpc-java does not show
	 * @param retries {@code configured}, or {@code off} while the incident switch has turned them off
	 * @param serviceConfigSource where the service config in effect came from: {@code configuration},
	 * {@code refresh}, {@code endpoint}, or {@code resolver} (the target's own resolver: xDS, or DNS with
	 * {@code service-config-lookup: true})
	 * @param serviceConfigChangedAt when it last changed (ISO-8601; the application's start until a change)
	 * @param pendingServiceConfig a change handed to the channel that grpc-java has not taken yet, as it will be
	 * handed over; {@code null} when none waits
	 * @param pendingRestart the properties changed while the application runs that its channel cannot take, which
	 * wait for a restart (empty: none)
	 * @param state the channel's connectivity state, read without connecting; {@code null} while no channel was built
	 * @param figures its calls and attempts so far; {@code null} without a meter registry
	 */
	public record GrpcClientDescriptor(String target, String negotiationType, @Nullable String sslBundle,
			@Nullable String loadBalancingPolicy, Map<String, Object> serviceConfig, String retries,
			String serviceConfigSource, String serviceConfigChangedAt,
			@Nullable Map<String, Object> pendingServiceConfig, List<String> pendingRestart,
			@Nullable String state,
			@Nullable ClientFigures figures) implements OperationResponseBody {
	}

}
