package io.github.grpcretry.internal.channel;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.github.grpcretry.channel.ServiceConfigChangeListener;
import io.github.grpcretry.channel.ServiceConfigChangeListener.Result;
import io.github.grpcretry.channel.ServiceConfigChangeListener.Source;
import io.github.grpcretry.internal.serviceconfig.CallPolicies;
import io.github.grpcretry.internal.serviceconfig.MethodPolicies;
import io.github.grpcretry.internal.serviceconfig.ServiceConfigDigest;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.Retries;
import io.github.grpcretry.validation.Violation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * One client's service config while the application runs, as one immutable state: the properties whose service
 * config is configured (start-up's, or the last change applied), that config, the incident switch's override, and
 * what a refresh last read. Every event (a refresh, the switch's {@code off} and {@code configured}) computes the next
 * state from the current one under a lock, and returns a {@link Change} that hands the config in effect to the running
 * channel, waits for grpc-java to take it, logs and tells the listeners, all without the lock. The config in effect is
 * the configured one, or, while retries are off (by the property {@code retries: off}, or by the switch, whose
 * {@code off} overrides the property), the configured one without any retry or hedging policy (every call makes one
 * attempt; its timeouts and everything else kept).
 */
public final class ClientServiceConfig {

	private static final Log logger = LogFactory.getLog(ClientServiceConfig.class);

	private static final String METHOD_CONFIG = "methodConfig";

	private static final String RETRY_POLICY = "retryPolicy";

	private static final String HEDGING_POLICY = "hedgingPolicy";

	private static final String LOAD_BALANCING_CONFIG = "loadBalancingConfig";

	private final String clientName;

	private final LiveServiceConfig live;

	private final Clock clock;

	// Why a running channel cannot take a change, or null when it can.
	private final @Nullable String unchangeable;

	// Whether the target's own resolver always supplies the config in effect (xDS).
	private final boolean resolverSupplies;

	// The load-balancing policy the channel is built with, its default: what runs while the config names none.
	private final @Nullable String builtPolicy;

	private final ServiceConfigChangeListener listener;

	// Orders the events: each computes the next snapshot from the current one under it. Never held while a change
	// is handed to the channel, waited for, logged or told.
	private final Object lock = new Object();

	// Written under lock; read without it.
	private volatile Snapshot snapshot;

	// The digest of the config grpc-java last took, taken once per config: the state is read at every scrape.
	private volatile @Nullable Digested digested;

	// The policies of the config grpc-java last took, made once per config: every call's start reads them.
	private volatile @Nullable TakenPolicies takenPolicies;

	/**
	 * Creates the client's state as the application starts, and the live config its channel is built with: the
	 * configured one, without retries when its properties turn them off.
	 */
	ClientServiceConfig(String clientName, ClientProperties properties, Map<String, ?> configured,
			@Nullable String loadBalancingPolicy, @Nullable String unchangeable, boolean resolverSupplies,
			ServiceConfigChangeListener listener, Clock clock) {
		this.clientName = clientName;
		this.unchangeable = unchangeable;
		this.resolverSupplies = resolverSupplies;
		this.builtPolicy = loadBalancingPolicy;
		this.listener = listener;
		this.clock = clock;
		Snapshot snapshot = new Snapshot(properties, Map.copyOf(configured), loadBalancingPolicy, false,
				Source.CONFIGURATION, clock.instant(), List.of(), properties, List.of());
		this.snapshot = snapshot;
		this.live = new LiveServiceConfig(snapshot.inEffect(), snapshot.retriesOff());
	}

	/**
	 * What the client's service config is now.
	 * @param serviceConfig the service config grpc-java holds, as handed to it
	 * @param serviceConfigDigest its digest ({@link ServiceConfigDigest}), with the load-balancing policy it runs
	 * written in it: the same on every instance that runs the same config, however it got there
	 * @param mayRetry whether calls may retry or hedge by the config grpc-java holds: it has a retry or hedging
	 * policy, or the target's own resolver supplies the config in effect
	 * @param loadBalancingPolicy the load-balancing policy configured; {@code null} for an in-process address
	 * @param retriesOff whether its retries are off, by the configuration or by the incident switch
	 * @param retriesOverridden whether the incident switch's {@code off} overrides the configuration
	 * @param retriesConfigured what the configuration's {@code retries} says
	 * @param source where the config in effect came from: {@link Source#RESOLVER} while the target's own resolver
	 * supplies it
	 * @param changedAt when the configured config or the switch last changed (the start of the application until a
	 * change)
	 * @param pendingRestart the properties changed since start-up that a running channel cannot take, which wait
	 * for a restart (empty: none)
	 * @param pendingChange a change grpc-java has not taken yet, or {@code null}
	 */
	public record State(Map<String, ?> serviceConfig, String serviceConfigDigest, boolean mayRetry,
			@Nullable String loadBalancingPolicy, boolean retriesOff, boolean retriesOverridden,
			Retries retriesConfigured, Source source, Instant changedAt, List<String> pendingRestart,
			@Nullable PendingChange pendingChange) {
	}

	/**
	 * A change handed to the channel that grpc-java has not taken yet: its name resolver has had no good result since
	 * (an error, no addresses, or the channel is idle), and it is taken with the next one.
	 * @param serviceConfig the config that waits
	 */
	public record PendingChange(Map<String, ?> serviceConfig) {
	}

	LiveServiceConfig live() {
		return this.live;
	}

	/**
	 * The client's service config now.
	 * @return its state
	 */
	public State state() {
		Snapshot snapshot = this.snapshot;
		boolean fromResolver = this.resolverSupplies || this.live.resolverSupplied();
		PendingChange pending = this.live.pending() ? new PendingChange(this.live.get()) : null;
		LiveServiceConfig.Version version = this.live.takenVersion();
		Map<String, ?> taken = version.serviceConfig();
		boolean mayRetry = fromResolver || policiesOf(version).inEffect().hasPolicy();
		return new State(taken, digest(taken), mayRetry, snapshot.loadBalancingPolicy(),
				snapshot.retriesOff(), snapshot.switchedOff(), snapshot.properties().retries(),
				fromResolver ? Source.RESOLVER : snapshot.source(), snapshot.changedAt(), snapshot.pendingRestart(),
				pending);
	}

	// The config as the channel runs it: a config that names no load-balancing policy runs the channel's default.
	private String digest(Map<String, ?> serviceConfig) {
		Digested digested = this.digested;
		// Each version's config is one map: the same map, the same digest.
		if (digested != null && digested.serviceConfig() == serviceConfig) {
			return digested.digest();
		}
		Map<String, ?> running = serviceConfig;
		if (this.builtPolicy != null && !serviceConfig.containsKey(LOAD_BALANCING_CONFIG)) {
			Map<String, Object> withPolicy = new LinkedHashMap<>(serviceConfig);
			withPolicy.put(LOAD_BALANCING_CONFIG, List.of(Map.of(this.builtPolicy, Map.of())));
			running = withPolicy;
		}
		String digest = ServiceConfigDigest.of(running);
		this.digested = new Digested(serviceConfig, digest);
		return digest;
	}

	private record Digested(Map<String, ?> serviceConfig, String digest) {
	}


	/**
	 * The retry and hedging policies of the config grpc-java holds, which calls starting now take: unknown while the
	 * target's own resolver supplies the config. A call that starts while grpc-java takes a new config may read the
	 * policies of either.
	 * @return the policies
	 */
	public CallPolicies callPolicies() {
		if (this.resolverSupplies || this.live.resolverSupplied()) {
			return CallPolicies.unknown();
		}
		return policiesOf(this.live.takenVersion());
	}

	// The policies of a version grpc-java took, made once per version.
	private CallPolicies policiesOf(LiveServiceConfig.Version taken) {
		// While retries are off, what they would be on: the configured config, which a refresh may change while the
		// config grpc-java holds stays the same.
		Map<String, ?> whileOn = taken.forced() ? this.snapshot.configured() : null;
		TakenPolicies cached = this.takenPolicies;
		if (cached != null && cached.version() == taken && cached.whileOn() == whileOn) {
			return cached.policies();
		}
		// No cap: a channel of the starter is built with caps no configured maxAttempts exceeds, and a refresh that
		// needs more is refused.
		CallPolicies policies = new CallPolicies(MethodPolicies.of(taken.serviceConfig(), Integer.MAX_VALUE),
				(whileOn != null) ? MethodPolicies.of(whileOn, Integer.MAX_VALUE) : null, true);
		this.takenPolicies = new TakenPolicies(taken, whileOn, policies);
		return policies;
	}

	private record TakenPolicies(LiveServiceConfig.Version version, @Nullable Map<String, ?> whileOn,
			CallPolicies policies) {
	}

	/**
	 * The properties whose service config is configured: start-up's, or those of the last change applied.
	 * @return the properties
	 */
	public ClientProperties configuredProperties() {
		return this.snapshot.properties();
	}

	/**
	 * The configured service config, whatever the incident switch says: what a channel's attempt caps are sized by.
	 * @return the config, as grpc-java takes it
	 */
	public Map<String, ?> configured() {
		return this.snapshot.configured();
	}

	/**
	 * The client's properties as the configuration last said, when read by a refresh or the switch's
	 * {@code configured}: what the next reading is compared with, so that each change is acted on once.
	 * @return the properties, or {@code null} when the last reading had none for the client
	 */
	public @Nullable ClientProperties lastRead() {
		return this.snapshot.lastRead();
	}

	/**
	 * The rules the configuration broke when it was last read, if that reading was refused: a value that cannot be
	 * bound is read as missing, so only these tell a reading with such a value from one without it.
	 * @return the violations; empty unless the last reading was refused
	 */
	public List<Violation> lastRefusedFor() {
		return this.snapshot.refusedFor();
	}

	/**
	 * Whether the client's running channel can take a new service config: not for an in-process address, nor for a
	 * target whose own resolver supplies it (xDS).
	 * @return whether it can
	 */
	public boolean changeable() {
		return this.unchangeable == null;
	}

	/**
	 * The incident switch: overrides the configuration to turn the client's retries off (every method makes one
	 * attempt, no hedging; timeouts and the rest kept), or drops that override, back to what the configuration says
	 * (which may itself be {@code retries: off}), for the calls that start from now on; calls in flight keep their
	 * policy.
	 * @param off whether to turn them off, or else to drop the override
	 * @return the change, to {@link Change#complete complete} without any lock held
	 * @throws IllegalStateException for a client whose channel cannot take a change while it runs
	 */
	public Change switchRetries(boolean off) {
		requireChangeable();
		synchronized (this.lock) {
			Snapshot before = this.snapshot;
			this.snapshot = new Snapshot(before.properties(), before.configured(), before.loadBalancingPolicy(), off,
					Source.ENDPOINT, this.clock.instant(), before.pendingRestart(), before.lastRead(),
					before.refusedFor());
			String message;
			if (off) {
				message = "retries off by the grpcclients endpoint: every call makes one attempt, without hedging;"
						+ " timeouts kept";
			}
			else if (this.snapshot.retriesOff()) {
				message = "the grpcclients endpoint dropped its override; retries stay off, as " + retriesProperty()
						+ " says";
			}
			else {
				message = "retries back to the configured policies by the grpcclients endpoint";
			}
			return new Change(Result.APPLIED, Source.ENDPOINT, handOver(), message);
		}
	}

	private String retriesProperty() {
		return "grpc.clients." + this.clientName + ".retries";
	}

	/**
	 * Puts a new configured service config in effect for the calls that start from now on (calls in flight keep
	 * theirs), with its retries turned off while the incident switch is, and clears what was pending a restart. The
	 * caller has validated it. Nothing is handed to grpc-java when what it would take is what it holds: each new
	 * config is a new retry throttle for grpc-java, with every token back.
	 * @param properties the properties it was made from, as the configuration says now
	 * @param serviceConfig the new configured service config, as grpc-java takes it
	 * @param loadBalancingPolicy the load-balancing policy it sets
	 * @param source where it came from
	 * @param changed what changed, for the log line, such as {@code grpc.clients.echo.method-config}
	 * @return the change, to {@link Change#complete complete} without any lock held
	 * @throws IllegalStateException for a client whose channel cannot take a change while it runs
	 */
	public Change configure(ClientProperties properties, Map<String, ?> serviceConfig,
			@Nullable String loadBalancingPolicy, Source source, String changed) {
		requireChangeable();
		synchronized (this.lock) {
			Snapshot before = this.snapshot;
			boolean same = before.configured().equals(serviceConfig)
					&& Objects.equals(before.loadBalancingPolicy(), loadBalancingPolicy)
					&& before.properties().retries() == properties.retries();
			Snapshot after = new Snapshot(properties, Map.copyOf(serviceConfig), loadBalancingPolicy,
					before.switchedOff(), same || before.switchedOff() ? before.source() : source,
					same ? before.changedAt() : this.clock.instant(), List.of(), properties, List.of());
			this.snapshot = after;
			if (same) {
				// Spelt another way (10ms for .01s), or back to what is configured: nothing for grpc-java to take.
				return new Change(null, source, null, restartNoLongerPending(before));
			}
			String message = changed + " changed by " + describe(source);
			if (before.switchedOff()) {
				message += "; its retries stay off by the grpcclients endpoint until it turns them back on";
			}
			else if (after.retriesOff()) {
				message += "; retries off, as " + retriesProperty() + " says: every call makes one attempt, without"
						+ " hedging; timeouts kept";
			}
			else {
				message += "; calls started from now on take it, calls in flight keep theirs";
			}
			return new Change(Result.APPLIED, source, handOver(), message);
		}
	}

	/**
	 * Leaves a change that a running channel cannot take for a restart: nothing of it is applied, and its properties
	 * are pending until a restart or a change that brings them back.
	 * @param read the client's properties as the configuration says now, or {@code null} when it has none
	 * @param properties the changed properties that need a restart, such as {@code grpc.clients.echo.address}
	 * @param source where the change came from
	 * @return the change, which logs one warning when completed
	 */
	public Change requireRestart(@Nullable ClientProperties read, List<String> properties, Source source) {
		synchronized (this.lock) {
			Snapshot before = this.snapshot;
			this.snapshot = new Snapshot(before.properties(), before.configured(), before.loadBalancingPolicy(),
					before.switchedOff(), before.source(), before.changedAt(), List.copyOf(properties), read,
					List.of());
			return new Change(Result.RESTART_REQUIRED, source, null,
					describe(source) + " changed " + String.join(", ", properties) + ", which a running channel"
							+ " cannot take; nothing of this change was applied and the client runs as it was:"
							+ " restart the application to apply it");
		}
	}

	/**
	 * Refuses a change whole: the client runs as it was. The caller logs the report.
	 * @param read the client's properties as the configuration says now, or {@code null} when they could not be read
	 * @param violations the rules the configuration breaks, so that the same reading is refused once
	 * @param source where the change came from
	 * @return the change, which counts the refusal when completed
	 */
	public Change refuse(@Nullable ClientProperties read, List<Violation> violations, Source source) {
		synchronized (this.lock) {
			Snapshot before = this.snapshot;
			this.snapshot = new Snapshot(before.properties(), before.configured(), before.loadBalancingPolicy(),
					before.switchedOff(), before.source(), before.changedAt(), before.pendingRestart(),
					(read != null) ? read : before.lastRead(), List.copyOf(violations));
			return new Change(Result.REFUSED, source, null, null);
		}
	}

	/**
	 * Notes the client's properties as the configuration says now, when they change nothing the channel holds, and
	 * clears what was pending a restart, since those properties are back to what the channel was built with.
	 * @param read the properties
	 * @param source where the reading came from
	 * @return the change, which logs that no restart is pending any more, if one was
	 */
	public Change unchanged(ClientProperties read, Source source) {
		synchronized (this.lock) {
			Snapshot before = this.snapshot;
			this.snapshot = new Snapshot(before.properties(), before.configured(), before.loadBalancingPolicy(),
					before.switchedOff(), before.source(), before.changedAt(), List.of(), read, List.of());
			return new Change(null, source, null, restartNoLongerPending(before));
		}
	}

	private static @Nullable String restartNoLongerPending(Snapshot before) {
		return before.pendingRestart().isEmpty() ? null : String.join(", ", before.pendingRestart())
				+ " are back to what the channel was built with; no restart pending";
	}

	// Makes the config in effect the newest for the channel, unless it is what the channel has already; under the
	// lock, so that the channel's versions follow the states' order (the live config's lock is taken inside it).
	@GuardedBy("lock")
	private LiveServiceConfig.@Nullable Version handOver() {
		Snapshot snapshot = this.snapshot;
		Map<String, ?> inEffect = snapshot.inEffect();
		LiveServiceConfig.Version current = this.live.current();
		if (current.serviceConfig().equals(inEffect) && current.forced() == snapshot.retriesOff()) {
			return null;
		}
		// Forced while retries are off, so that it wins over a config of the target's resolver.
		return this.live.update(inEffect, snapshot.retriesOff());
	}

	private void requireChangeable() {
		if (this.unchangeable != null) {
			throw new IllegalStateException("gRPC client '" + this.clientName + "' " + this.unchangeable);
		}
	}

	/**
	 * A service config without any retry or hedging policy: every other key of it and of its method configs kept.
	 * @param serviceConfig a service config, as grpc-java takes it
	 * @return the config without retries
	 */
	static Map<String, Object> withoutRetries(Map<String, ?> serviceConfig) {
		Map<String, Object> without = new LinkedHashMap<>(serviceConfig);
		Object methodConfigs = serviceConfig.get(METHOD_CONFIG);
		if (methodConfigs instanceof List<?> entries) {
			List<Object> kept = new ArrayList<>();
			for (Object entry : entries) {
				if (entry instanceof Map<?, ?> methodConfig) {
					Map<Object, Object> copy = new LinkedHashMap<>(methodConfig);
					copy.remove(RETRY_POLICY);
					copy.remove(HEDGING_POLICY);
					kept.add(copy);
				}
				else {
					kept.add(entry);
				}
			}
			without.put(METHOD_CONFIG, kept);
		}
		return without;
	}

	/**
	 * A change to the client's state, made under its lock, whose effects follow without it: the config handed to the
	 * channel, the wait for grpc-java to take it, one log line and the listeners told.
	 */
	public final class Change {

		private final @Nullable Result result;

		private final Source source;

		private final LiveServiceConfig.@Nullable Version version;

		private final @Nullable String message;

		Change(@Nullable Result result, Source source, LiveServiceConfig.@Nullable Version version,
				@Nullable String message) {
			this.result = result;
			this.source = source;
			this.version = version;
			this.message = message;
		}

		/**
		 * Hands the channel the config in effect, if it changed, and waits until grpc-java takes it or the deadline
		 * passes; then logs the change in one line and tells the listeners. Call it without any lock held. A change
		 * not taken by the deadline is {@link Result#PENDING}: taken with the name resolver's next good result, and
		 * then counted as applied.
		 * @param deadlineNanos until when to wait, by {@link System#nanoTime()}
		 * @return what became of it; {@code null} when nothing changed
		 */
		public @Nullable Result complete(long deadlineNanos) {
			Result outcome = this.result;
			if (outcome == Result.APPLIED && this.version != null) {
				ClientServiceConfig.this.live.publish();
				if (!taken(this.version, deadlineNanos)) {
					outcome = Result.PENDING;
					LiveServiceConfig.Version waiting = this.version;
					ClientServiceConfig.this.live.whenTaken(waiting).thenRunAsync(() -> {
						log(false, describe(source) + "'s change is now taken by the channel");
						tell(Result.APPLIED);
					});
				}
			}
			if (this.message != null) {
				log(outcome == Result.RESTART_REQUIRED, this.message + ((outcome == Result.PENDING)
						? "; grpc-java has not taken it yet (its name resolver has no good result: an error, no"
								+ " addresses, or an idle channel), and takes it with the next one"
						: ""));
			}
			if (outcome != null) {
				tell(outcome);
			}
			return outcome;
		}

		/**
		 * Completes the change, waiting for grpc-java for up to a timeout.
		 * @param timeout how long to wait
		 * @return what became of it; {@code null} when nothing changed
		 * @see #complete(long)
		 */
		public @Nullable Result complete(Duration timeout) {
			return complete(System.nanoTime() + timeout.toNanos());
		}

		private boolean taken(LiveServiceConfig.Version version, long deadlineNanos) {
			try {
				return ClientServiceConfig.this.live.awaitTaken(version, deadlineNanos);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
		}

		private void log(boolean warn, String line) {
			String text = "gRPC client '" + ClientServiceConfig.this.clientName + "': " + line;
			if (warn) {
				logger.warn(text);
			}
			else {
				logger.info(text);
			}
		}

		// A listener's failure is its own: logged, and nothing else changes.
		private void tell(Result result) {
			try {
				ClientServiceConfig.this.listener.changed(ClientServiceConfig.this.clientName, this.source, result);
			}
			catch (RuntimeException ex) {
				logger.warn("gRPC client '" + ClientServiceConfig.this.clientName + "': a service config change"
						+ " listener failed on " + describe(this.source) + "'s change (" + result.value()
						+ "); the change stands", ex);
			}
		}

	}

	/**
	 * The client's state: everything every event reads and replaces at once.
	 *
	 * @param properties the properties whose service config is configured
	 * @param configured their service config, as grpc-java takes it
	 * @param loadBalancingPolicy their load-balancing policy
	 * @param switchedOff whether the incident switch's {@code off} overrides the configuration
	 * @param source where the config in effect came from
	 * @param changedAt when it last changed
	 * @param pendingRestart the properties that wait for a restart
	 * @param lastRead the client's properties as the configuration last said, or {@code null} for none
	 * @param refusedFor the rules that reading broke, when it was refused: a value that cannot be bound is read as
	 * missing, so the same properties may be read with a value that breaks a rule and without it
	 */
	private record Snapshot(ClientProperties properties, Map<String, ?> configured,
			@Nullable String loadBalancingPolicy, boolean switchedOff, Source source, Instant changedAt,
			List<String> pendingRestart, @Nullable ClientProperties lastRead, List<Violation> refusedFor) {

		// Off by the switch, or by the configuration.
		boolean retriesOff() {
			return this.switchedOff || this.properties.retries() == Retries.OFF;
		}

		Map<String, ?> inEffect() {
			return retriesOff() ? withoutRetries(this.configured) : this.configured;
		}

	}

	/**
	 * The source as a log line names it.
	 * @param source where a change came from
	 * @return {@code the configuration}, {@code a refresh}, {@code the grpcclients endpoint} or
	 * {@code the target's name resolver}
	 */
	public static String describe(Source source) {
		return switch (source) {
			case CONFIGURATION -> "the configuration";
			case REFRESH -> "a refresh";
			case ENDPOINT -> "the grpcclients endpoint";
			case RESOLVER -> "the target's name resolver";
		};
	}

}
