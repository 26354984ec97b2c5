package io.github.grpcretry.channel;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * One client's service config while the application runs: the configured one (from start-up, or from the last
 * refresh applied), or, while the incident switch has turned its retries off, the configured one without any retry
 * or hedging policy (every call makes one attempt; its timeouts and everything else kept). The switch wins over every
 * other source while it is on. Each change is handed to the running channel through its {@link LiveServiceConfig}
 * and logged in one line; a change that needs a restart leaves the names of its properties pending.
 */
public final class ClientServiceConfig {

	private static final Log logger = LogFactory.getLog(ClientServiceConfig.class);

	// How long a change waits for the channel to take it: grpc-java takes it in its synchronization context at once,
	// and an idle channel resolves its target first.
	private static final Duration TAKE_TIMEOUT = Duration.ofSeconds(10);

	private final String clientName;

	private final LiveServiceConfig live;

	private final Clock clock;

	// Guarded by this.
	private Map<String, ?> configured;

	private @Nullable String loadBalancingPolicy;

	private boolean retriesOff;

	private List<String> pendingRestart = List.of();

	private Source source = Source.CONFIGURATION;

	private Instant changedAt;

	private final boolean changeable;

	private final ServiceConfigChangeListener listener;

	ClientServiceConfig(String clientName, LiveServiceConfig live, @Nullable String loadBalancingPolicy,
			boolean changeable, ServiceConfigChangeListener listener, Clock clock) {
		this.clientName = clientName;
		this.live = live;
		this.loadBalancingPolicy = loadBalancingPolicy;
		this.changeable = changeable;
		this.listener = listener;
		this.clock = clock;
		this.configured = live.get();
		this.changedAt = clock.instant();
	}

	/**
	 * Where a client's service config in effect came from.
	 */
	public enum Source {

		/** The application's configuration at start-up. */
		CONFIGURATION,

		/** A refresh of the configuration while the application runs. */
		REFRESH,

		/** The {@code grpcclients} endpoint's incident switch. */
		ENDPOINT;

		/**
		 * The name operations tools show.
		 * @return the name, in lower case
		 */
		public String value() {
			return name().toLowerCase(Locale.ROOT);
		}

		/**
		 * The source as a log line names it.
		 * @return {@code the configuration}, {@code a refresh} or {@code the grpcclients endpoint}
		 */
		public String describe() {
			return switch (this) {
				case CONFIGURATION -> "the configuration";
				case REFRESH -> "a refresh";
				case ENDPOINT -> "the grpcclients endpoint";
			};
		}

	}

	/**
	 * What the client's service config is now.
	 * @param serviceConfig the service config in effect, as handed to grpc-java
	 * @param loadBalancingPolicy the load-balancing policy in effect; {@code null} for an in-process address
	 * @param retriesOff whether the incident switch has turned its retries off
	 * @param source where the config in effect came from
	 * @param changedAt when it last changed (the start of the application until a change)
	 * @param pendingRestart the properties changed since start-up that a running channel cannot take, which wait
	 * for a restart (empty: none)
	 */
	public record State(Map<String, ?> serviceConfig, @Nullable String loadBalancingPolicy, boolean retriesOff,
			Source source, Instant changedAt, List<String> pendingRestart) {
	}

	LiveServiceConfig live() {
		return this.live;
	}

	/**
	 * The client's service config now.
	 * @return its state
	 */
	public synchronized State state() {
		return new State(this.live.get(), this.loadBalancingPolicy, this.retriesOff, this.source, this.changedAt,
				this.pendingRestart);
	}

	/**
	 * Whether the client's running channel can take a new service config: not for an in-process address.
	 * @return whether it can
	 */
	public boolean changeable() {
		return this.changeable;
	}

	/**
	 * Turns the client's retries off (every method makes one attempt, no hedging; timeouts and the rest kept) or back
	 * to what the configuration says, for the calls that start from now on; calls in flight keep their policy.
	 * @param off whether to turn them off
	 * @return whether the channel holds the new config; if not yet, it takes it when it next resolves its target
	 * @throws InterruptedException if interrupted while waiting for the channel to take it
	 * @throws IllegalStateException for a client whose channel cannot take a change while it runs (in-process)
	 */
	public synchronized boolean switchRetries(boolean off) throws InterruptedException {
		requireChangeable();
		this.retriesOff = off;
		this.source = Source.ENDPOINT;
		this.changedAt = this.clock.instant();
		boolean taken = publish();
		logger.info("gRPC client '" + this.clientName + "': retries " + (off
				? "off by the grpcclients endpoint: every call makes one attempt, without hedging; timeouts kept"
				: "back to the configured policies by the grpcclients endpoint")
				+ (taken ? "" : "; the channel takes it when it next resolves its target"));
		this.listener.changed(this.clientName, Source.ENDPOINT, ServiceConfigChangeListener.Result.APPLIED);
		return taken;
	}

	/**
	 * Puts a new configured service config in effect for the calls that start from now on (calls in flight keep
	 * theirs), with its retries turned off while the incident switch is, and clears what was pending a restart. The
	 * caller has validated it.
	 * @param serviceConfig the new configured service config, as grpc-java takes it
	 * @param loadBalancingPolicy the load-balancing policy it sets
	 * @param source where it came from
	 * @param changed what changed, for the log line, such as {@code method-config}
	 * @return whether the channel holds the new config; if not yet, it takes it when it next resolves its target
	 * @throws InterruptedException if interrupted while waiting for the channel to take it
	 * @throws IllegalStateException for a client whose channel cannot take a change while it runs (in-process)
	 */
	public synchronized boolean configure(Map<String, ?> serviceConfig, @Nullable String loadBalancingPolicy,
			Source source, String changed) throws InterruptedException {
		requireChangeable();
		this.configured = serviceConfig;
		this.loadBalancingPolicy = loadBalancingPolicy;
		this.pendingRestart = List.of();
		if (!this.retriesOff) {
			this.source = source;
		}
		this.changedAt = this.clock.instant();
		boolean taken = publish();
		logger.info("gRPC client '" + this.clientName + "': " + changed + " changed by " + source.describe()
				+ (this.retriesOff ? "; its retries stay off by the grpcclients endpoint until it turns them back on"
						: "; calls started from now on take it, calls in flight keep theirs")
				+ (taken ? "" : "; the channel takes it when it next resolves its target"));
		this.listener.changed(this.clientName, source, ServiceConfigChangeListener.Result.APPLIED);
		return taken;
	}

	/**
	 * Leaves a change that a running channel cannot take for a restart: nothing of it is applied, and its properties
	 * are pending until a restart or a change that brings them back. Logs one warning.
	 * @param properties the changed properties that need a restart, such as {@code grpc.clients.echo.address}
	 * @param source where the change came from
	 */
	public synchronized void requireRestart(List<String> properties, Source source) {
		this.pendingRestart = List.copyOf(properties);
		logger.warn("gRPC client '" + this.clientName + "': " + source.describe() + " changed "
				+ String.join(", ", properties) + ", which a running channel cannot take; nothing of this change was"
				+ " applied and the client runs as it was: restart the application to apply it");
		this.listener.changed(this.clientName, source, ServiceConfigChangeListener.Result.RESTART_REQUIRED);
	}

	/**
	 * Clears what was pending a restart, once a change brought those properties back to what the channel was built
	 * with.
	 */
	public synchronized void clearPendingRestart() {
		if (!this.pendingRestart.isEmpty()) {
			logger.info("gRPC client '" + this.clientName + "': " + String.join(", ", this.pendingRestart)
					+ " are back to what the channel was built with; no restart pending");
			this.pendingRestart = List.of();
		}
	}

	// Hands the channel the configured config, without its retries while the switch is off (then forced, so that it
	// wins over the target resolver's).
	private boolean publish() throws InterruptedException {
		Map<String, ?> inEffect = this.retriesOff ? withoutRetries(this.configured) : this.configured;
		return this.live.set(inEffect, this.retriesOff, TAKE_TIMEOUT);
	}

	private void requireChangeable() {
		if (!this.changeable) {
			throw new IllegalStateException("gRPC client '" + this.clientName + "' has an in-process address, a"
					+ " direct address without a name resolver, through which alone a running channel takes a new"
					+ " service config; its retries change with its configuration and a restart");
		}
	}

	/**
	 * A service config without any retry or hedging policy: every other key of it and of its method configs kept.
	 * @param serviceConfig a service config, as grpc-java takes it
	 * @return the config without retries
	 */
	static Map<String, Object> withoutRetries(Map<String, ?> serviceConfig) {
		Map<String, Object> without = new LinkedHashMap<>(serviceConfig);
		Object methodConfigs = serviceConfig.get("methodConfig");
		if (methodConfigs instanceof List<?> entries) {
			List<Object> kept = new ArrayList<>();
			for (Object entry : entries) {
				if (entry instanceof Map<?, ?> methodConfig) {
					Map<Object, Object> copy = new LinkedHashMap<>(methodConfig);
					copy.remove("retryPolicy");
					copy.remove("hedgingPolicy");
					kept.add(copy);
				}
				else {
					kept.add(entry);
				}
			}
			without.put("methodConfig", kept);
		}
		return without;
	}

}
