package io.github.grpcretry.internal.actuate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.github.grpcretry.actuate.ClientFigures;
import io.github.grpcretry.channel.ServiceConfigChangeListener.Result;
import io.github.grpcretry.internal.channel.ChannelSettings;
import io.github.grpcretry.internal.channel.ClientServiceConfig;
import io.github.grpcretry.internal.channel.GrpcChannelFactory;
import io.github.grpcretry.internal.refresh.GrpcClientsRefresher;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import org.jspecify.annotations.Nullable;

/**
 * A read-only view of every configured client, shared by the actuator endpoint and the health contributors of each
 * Spring Boot line: what its channel was handed, its connectivity, read without ever connecting, and its figures.
 */
public class GrpcClientsView {

	private final GrpcChannelFactory channels;

	private final @Nullable GrpcClientsRefresher refresher;

	private final Function<String, @Nullable ClientFigures> figures;

	/**
	 * Creates a view whose incident switch turns retries back to the configured ones without checking the
	 * configuration again.
	 * @param channels the factory that builds the clients' channels
	 * @param figures a client's figures by its name, {@code null} when there is no meter registry
	 */
	public GrpcClientsView(GrpcChannelFactory channels, Function<String, @Nullable ClientFigures> figures) {
		this(channels, null, figures);
	}

	/**
	 * Creates a view.
	 * @param channels the factory that builds the clients' channels
	 * @param refresher checks a client's configuration as it is now before the incident switch turns its retries
	 * back to it, or {@code null}
	 * @param figures a client's figures by its name, {@code null} when there is no meter registry
	 */
	public GrpcClientsView(GrpcChannelFactory channels, @Nullable GrpcClientsRefresher refresher,
			Function<String, @Nullable ClientFigures> figures) {
		this.channels = channels;
		this.refresher = refresher;
		this.figures = figures;
	}

	/**
	 * The names of the configured clients.
	 * @return the names
	 */
	public Set<String> clientNames() {
		return this.channels.clientNames();
	}

	/**
	 * What a client's channel is built with.
	 * @param clientName the client's name
	 * @return its settings, or {@code null} for an unknown client
	 */
	public @Nullable ChannelSettings settings(String clientName) {
		return this.channels.settings(clientName);
	}

	/**
	 * A client's service config now: the one in effect, where it came from, when it last changed.
	 * @param clientName the client's name
	 * @return its state, or {@code null} for an unknown client
	 */
	public ClientServiceConfig.@Nullable State serviceConfig(String clientName) {
		return (this.channels.settings(clientName) != null)
				? this.channels.clientServiceConfig(clientName).state() : null;
	}

	/**
	 * Turns a client's retries off, or back to what the configuration says now, for the calls that start from now
	 * on. Turning them back checks the configuration first, by the start-up rules and against the running channel:
	 * one that fails is refused, and the retries stay off. Waits a little for grpc-java to take the change.
	 * @param clientName the client's name
	 * @param off whether to turn them off
	 * @return what became of it: applied, pending (grpc-java has not taken it yet), or refused with every violation
	 * @throws IllegalStateException for a client whose channel cannot take a change while it runs (in-process, xDS)
	 */
	public GrpcClientsRefresher.Outcome switchRetries(String clientName, boolean off) {
		if (this.refresher != null) {
			return this.refresher.switchRetries(clientName, off);
		}
		Result result = this.channels.clientServiceConfig(clientName)
			.switchRetries(off)
			.complete(GrpcClientsRefresher.TAKE_TIMEOUT);
		return new GrpcClientsRefresher.Outcome(result, List.of(), List.of());
	}

	/**
	 * A client's connectivity state, read without connecting: a lazy channel that was never used stays idle.
	 * @param clientName the client's name
	 * @return the state, or {@code null} while no channel was built for the client
	 */
	public @Nullable ConnectivityState state(String clientName) {
		ManagedChannel channel = this.channels.builtChannel(clientName);
		// getState(true) would start connecting an idle channel.
		return (channel != null) ? channel.getState(false) : null;
	}

	/**
	 * A client's health, by its connectivity state.
	 * @param clientName the client's name
	 * @return the health
	 */
	public ClientHealth health(String clientName) {
		return ClientHealth.of(state(clientName));
	}

	/**
	 * A client's health with its details, from one reading of its connectivity state, for the health contributors
	 * of every Spring Boot line.
	 * @param clientName the client's name
	 * @return the report
	 */
	public ClientHealthReport healthReport(String clientName) {
		ConnectivityState state = state(clientName);
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("state", (state != null) ? state.name() : "NOT_BUILT");
		ChannelSettings settings = settings(clientName);
		if (settings != null) {
			details.put("target", settings.target());
		}
		return new ClientHealthReport(ClientHealth.of(state), details);
	}

	/**
	 * A client's figures so far.
	 * @param clientName the client's name
	 * @return the figures, or {@code null} when the application has no meter registry
	 */
	public @Nullable ClientFigures figures(String clientName) {
		return this.figures.apply(clientName);
	}

}
