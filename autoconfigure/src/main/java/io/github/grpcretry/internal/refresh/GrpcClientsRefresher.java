package io.github.grpcretry.internal.refresh;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.github.grpcretry.channel.ServiceConfigChangeListener;
import io.github.grpcretry.channel.ServiceConfigChangeListener.Result;
import io.github.grpcretry.channel.ServiceConfigChangeListener.Source;
import io.github.grpcretry.internal.channel.ClientServiceConfig;
import io.github.grpcretry.internal.channel.GrpcChannelFactory;
import io.github.grpcretry.internal.serviceconfig.ServiceConfigPipeline;
import io.github.grpcretry.internal.validation.GrpcClientPropertiesVerifier;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.validation.InvalidGrpcClientPropertiesException;
import io.github.grpcretry.validation.Violation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.core.env.Environment;

/**
 * Acts on the configuration of {@code grpc.clients} as it is now, on every change of the application's environment
 * (Spring Cloud's {@code EnvironmentChangeEvent}, which {@code /actuator/refresh}, Spring Cloud Config and Kubernetes
 * ConfigMap reloads publish, whatever keys it names) and for the incident switch: it re-binds {@code grpc} through the
 * binding start-up used, compares each client with what it last read, and applies each client's new service config to
 * its running channel (its method configs, retry throttling and load-balancing policy). Each changed client is checked
 * by the start-up rules first, and its change is applied whole, refused whole (the full report logged as a warning;
 * the running config stays), or, when it changes a setting a running channel cannot take, left for a restart (one
 * warning; nothing of it applied).
 *
 * <p>Two events apply in the order they read the configuration, yet nothing of the application's runs under a lock:
 * an event reads without one (binding, which runs the application's converters and bind handlers; the start-up rules;
 * each changed client's new service config, amended by the service-config customizers and parsed by grpc-java), then
 * changes the clients' states under the lock, in memory, unless another event changed them since it began to read, in
 * which case it reads again. Handing the new configs to the channels, waiting for grpc-java to take them, logging and
 * telling the listeners follow without the lock. Turning retries off reads no configuration, and waits for no event.
 */
public final class GrpcClientsRefresher {

	private static final Log logger = LogFactory.getLog(GrpcClientsRefresher.class);

	/** How long a change waits for the channels to take it before it is reported pending. */
	public static final Duration TAKE_TIMEOUT = Duration.ofSeconds(2);

	private final GrpcChannelFactory channels;

	private final Supplier<GrpcClientsProperties> binding;

	private final Supplier<List<Violation>> bindFailures;

	private final Environment environment;

	private final Predicate<String> sslBundleExists;

	private final ClassLoader classLoader;

	private final ServiceConfigChangeListener listener;

	private final Duration takeTimeout;

	// Guards the three fields below, and orders the clients' state changes; held only while an event changes them,
	// in memory, never while it binds, waits for grpc-java, logs or tells.
	private final Object lock = new Object();

	// How many events changed the clients' states: an event that read the configuration changes them only if none
	// did since it began to read.
	@GuardedBy("lock")
	private long changes;

	// Per client name the application did not start with, the properties last read, so that a client added by a
	// change is reported once.
	@GuardedBy("lock")
	private final Map<String, @Nullable ClientProperties> added = new HashMap<>();

	// The violations of no client last reported, so that each is reported once.
	@GuardedBy("lock")
	private List<Violation> ofNoClient = List.of();

	/**
	 * Creates the refresher.
	 * @param channels the factory that built the clients' channels, with the properties of the application's start
	 * @param binding binds {@code grpc} from the environment as it is now, through the binding start-up used; throws
	 * what that binding throws
	 * @param bindFailures the values under {@code grpc.clients} that the latest binding could not bind
	 * @param environment the environment the properties are bound from
	 * @param sslBundleExists tells whether an SSL bundle of the given name is registered
	 * @param classLoader the application's class loader, whose generated gRPC services the names are checked against
	 * @param listener told of a change to a client the application did not start with, which needs a restart
	 * @param takeTimeout how long a change waits for the channels to take it before it is reported pending
	 */
	public GrpcClientsRefresher(GrpcChannelFactory channels, Supplier<GrpcClientsProperties> binding,
			Supplier<List<Violation>> bindFailures, Environment environment, Predicate<String> sslBundleExists,
			ClassLoader classLoader, ServiceConfigChangeListener listener, Duration takeTimeout) {
		this.channels = channels;
		this.binding = binding;
		this.bindFailures = bindFailures;
		this.environment = environment;
		this.sslBundleExists = sslBundleExists;
		this.classLoader = classLoader;
		this.listener = listener;
		this.takeTimeout = takeTimeout;
	}

	/**
	 * Applies what changed in the configuration: every client whose re-bound properties differ from the ones last
	 * read. Called for every change of the environment, whatever keys it names: a value written as
	 * {@code ${other.key}}, or a property source changed in place before the refresh, changes a client without a key
	 * of its own.
	 */
	public void refresh() {
		List<Effect> effects = tryRefresh();
		while (effects == null) {
			effects = tryRefresh();
		}
		long deadline = System.nanoTime() + this.takeTimeout.toNanos();
		effects.forEach((effect) -> effect.complete(deadline));
	}

	// The refresh's effects, or null when another event changed the clients while this one read the configuration.
	private @Nullable List<Effect> tryRefresh() {
		long begun = changes();
		Bound bound = bind();
		Map<String, Decision> decisions = new LinkedHashMap<>();
		for (String name : this.channels.clientNames()) {
			decisions.put(name, examine(name, bound, Source.REFRESH, false));
		}
		Set<String> names = new LinkedHashSet<>(decisions.keySet());
		names.addAll(bound.clients().keySet());
		List<Violation> ofNoClient = bound.violations()
			.stream()
			.filter((violation) -> names.stream().noneMatch((name) -> Bound.belongsTo(violation.property(), name)))
			.toList();
		List<Effect> effects = new ArrayList<>();
		synchronized (this.lock) {
			if (this.changes != begun) {
				return null;
			}
			this.changes++;
			for (String name : names) {
				Decision decision = decisions.get(name);
				effects.add((decision != null) ? decision.make().effect() : added(name, bound, Source.REFRESH));
			}
			boolean reported = ofNoClient.equals(this.ofNoClient);
			this.ofNoClient = ofNoClient;
			if (!ofNoClient.isEmpty() && !reported) {
				effects.add((deadline) -> {
					logger.warn(report("a refresh left properties that break a rule, and changed no client for them",
							ofNoClient));
					return null;
				});
			}
		}
		return effects;
	}

	private long changes() {
		synchronized (this.lock) {
			return this.changes;
		}
	}

	/**
	 * The incident switch: turns a client's retries off, or back to what the configuration says now. Turning them
	 * back checks the configuration as it is now first, as a refresh would, and applies a change it holds; one that
	 * breaks a rule, or that the running channel cannot take, is refused and the retries stay off. Turning them off
	 * waits for no refresh, however long its binding takes.
	 * @param clientName the client's name
	 * @param off whether to turn them off
	 * @return what became of it: applied or pending, or refused with every violation
	 * @throws IllegalStateException for a client whose channel cannot take a change while it runs
	 */
	public Outcome switchRetries(String clientName, boolean off) {
		ClientServiceConfig client = this.channels.clientServiceConfig(clientName);
		if (off || !client.changeable()) {
			// Reads no configuration, so no event's reading can come between: the client's own lock orders it.
			Result result = client.switchRetries(off).complete(System.nanoTime() + this.takeTimeout.toNanos());
			return new Outcome(result, List.of(), List.of());
		}
		Examined examined;
		ClientServiceConfig.@Nullable Change switched;
		while (true) {
			long begun = changes();
			Decision decision = examine(clientName, bind(), Source.ENDPOINT, true);
			synchronized (this.lock) {
				if (this.changes == begun) {
					this.changes++;
					examined = decision.make();
					switched = (examined.refused() == null) ? client.switchRetries(false) : null;
					break;
				}
			}
		}
		Outcome refused = examined.refused();
		if (refused != null) {
			examined.effect().complete(System.nanoTime());
			return refused;
		}
		long deadline = System.nanoTime() + this.takeTimeout.toNanos();
		examined.effect().complete(deadline);
		Result result = Objects.requireNonNull(switched, "the switch of a change not refused").complete(deadline);
		return new Outcome(result, List.of(), List.of());
	}

	/**
	 * What a client of the application's start becomes, decided from the configuration as an event read it, without
	 * the lock: the service-config customizers and grpc-java's parse of a changed config run here.
	 */
	private Decision examine(String name, Bound bound, Source source, boolean explicit) {
		List<Violation> violations = bound.violationsOf(name);
		ClientProperties candidate = bound.clients().get(name);
		if (bound.failed() && violations.isEmpty()) {
			// Another client's property could not be bound: this one's is unknown, and stays as it runs.
			return () -> Examined.NOTHING;
		}
		String client = GrpcClientsProperties.CLIENTS + "." + name;
		ClientProperties builtWith = Objects.requireNonNull(this.channels.builtWith(name), "a client of the start's");
		ClientServiceConfig serviceConfig = this.channels.clientServiceConfig(name);
		// A value that cannot be bound is read as missing, which may be what was read before: its violation tells.
		boolean seen = !bound.failed() && Objects.equals(candidate, serviceConfig.lastRead())
				&& violations.equals(serviceConfig.lastRefusedFor());
		if (seen && !explicit) {
			return () -> Examined.NOTHING;
		}
		if (!violations.isEmpty()) {
			return () -> refuse(name, serviceConfig.refuse(candidate, violations, source), source, violations);
		}
		if (candidate == null) {
			return () -> new Examined(serviceConfig.requireRestart(null, List.of(client), source)::complete, null);
		}
		List<String> restart = new ArrayList<>(RestartProperties.changed(client, builtWith, candidate));
		List<String> live = RestartProperties.liveChanged(client, serviceConfig.configuredProperties(), candidate);
		if (!serviceConfig.changeable()) {
			// An in-process channel has no name resolver to hand it a new service config; an xDS one takes its
			// control plane's alone.
			restart.addAll(live);
		}
		if (!restart.isEmpty()) {
			return () -> new Examined(serviceConfig.requireRestart(candidate, restart, source)::complete, null);
		}
		if (live.isEmpty()) {
			return () -> new Examined(serviceConfig.unchanged(candidate, source)::complete, null);
		}
		ServiceConfigPipeline.Configured configured;
		try {
			configured = this.channels.configuredFor(name, candidate);
		}
		catch (RuntimeException ex) {
			// A service-config customizer's amendment, the running channel's attempt cap, or grpc-java's own parse.
			List<Violation> refusal = List.of(Violation.of(client, null, String.valueOf(ex.getMessage()),
					"change the client's properties so that the running channel can take them, or restart"));
			return () -> refuse(name, serviceConfig.refuse(candidate, refusal, source), source, refusal);
		}
		return () -> new Examined(serviceConfig.configure(candidate, configured.serviceConfig(),
				configured.loadBalancingPolicy(), source, String.join(", ", live))::complete, null);
	}

	// A client the application did not start with: reported once per reading of its properties.
	@GuardedBy("lock")
	private Effect added(String name, Bound bound, Source source) {
		ClientProperties candidate = bound.clients().get(name);
		if (bound.failed() && bound.violationsOf(name).isEmpty()) {
			// Another client's property could not be bound: this one's is unknown.
			return Examined.NOTHING.effect();
		}
		if (this.added.containsKey(name) && Objects.equals(this.added.get(name), candidate)) {
			return Examined.NOTHING.effect();
		}
		this.added.put(name, candidate);
		if (candidate == null) {
			return Examined.NOTHING.effect();
		}
		String client = GrpcClientsProperties.CLIENTS + "." + name;
		return (deadline) -> {
			logger.warn("gRPC client '" + name + "': " + ClientServiceConfig.describe(source) + " added " + client
					+ ", which needs a channel bean of its own: restart the application to add the client");
			tell(name, source, Result.RESTART_REQUIRED);
			return Result.RESTART_REQUIRED;
		};
	}

	private Examined refuse(String name, ClientServiceConfig.Change change, Source source,
			List<Violation> violations) {
		return new Examined((deadline) -> {
			logger.warn(report("gRPC client '" + name + "': " + ClientServiceConfig.describe(source) + " was refused whole, and the"
					+ " client runs as it was", violations));
			return change.complete(deadline);
		}, new Outcome(Result.REFUSED, violations, List.of()));
	}

	// A listener's failure is its own: logged, and nothing else changes.
	private void tell(String name, Source source, Result result) {
		try {
			this.listener.changed(name, source, result);
		}
		catch (RuntimeException ex) {
			logger.warn("gRPC client '" + name + "': a service config change listener failed; the change stands", ex);
		}
	}

	private static String report(String what, List<Violation> violations) {
		return violations.stream()
			.map(GrpcClientsRefresher::describe)
			.collect(Collectors.joining(System.lineSeparator(), what + "; its configuration breaks "
					+ violations.size() + " rule(s):" + System.lineSeparator(), ""));
	}

	private static String describe(Violation violation) {
		return "  " + violation.property() + ((violation.value() != null) ? " = " + violation.value() : "")
				+ ((violation.origin() != null) ? " (" + violation.origin() + ")" : "") + ": " + violation.problem()
				+ "; " + violation.fix();
	}

	private Bound bind() {
		GrpcClientsProperties properties;
		try {
			properties = this.binding.get();
		}
		catch (RuntimeException ex) {
			BindException bindException = bindException(ex);
			if (bindException == null) {
				throw ex;
			}
			return new Bound(Map.of(), List.of(violation(bindException)), true);
		}
		try {
			GrpcClientPropertiesVerifier.verify(properties, this.bindFailures.get(), this.environment,
					this.sslBundleExists, this.classLoader);
			return new Bound(properties.clients(), List.of(), false);
		}
		catch (InvalidGrpcClientPropertiesException ex) {
			return new Bound(properties.clients(), ex.getViolations(), false);
		}
	}

	private static @Nullable BindException bindException(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof BindException bindException) {
				return bindException;
			}
		}
		return null;
	}

	private static Violation violation(BindException ex) {
		ConfigurationProperty property = ex.getProperty();
		Throwable cause = ex;
		while (cause.getCause() != null) {
			cause = cause.getCause();
		}
		String name = (property != null) ? property.getName().toString() : ex.getName().toString();
		return Violation.writtenIn(name, property, "cannot be bound: " + cause.getMessage(),
				"write a value of the property's type");
	}

	/**
	 * What became of a client's configuration when it was checked.
	 *
	 * @param result applied, pending, refused or left for a restart; {@code null} when nothing changed
	 * @param violations every rule it breaks, when refused
	 * @param restartRequired the properties that need a restart, when left for one
	 */
	public record Outcome(@Nullable Result result, List<Violation> violations, List<String> restartRequired) {
	}

	/**
	 * What examining a client decided, made under the lock by the event that read the configuration, once no other
	 * event changed the clients since it began to read: it changes the client's state, in memory.
	 */
	@FunctionalInterface
	private interface Decision {

		Examined make();

	}

	/**
	 * What follows a change once the lock is released.
	 */
	@FunctionalInterface
	private interface Effect {

		@Nullable Result complete(long deadlineNanos);

	}

	/**
	 * What examining a client found: the effect to complete, and the outcome when the change was refused.
	 */
	private record Examined(Effect effect, @Nullable Outcome refused) {

		static final Examined NOTHING = new Examined((deadline) -> null, null);

	}

	/**
	 * The clients' properties as re-bound, and every rule they break.
	 */
	private record Bound(Map<String, ClientProperties> clients, List<Violation> violations, boolean failed) {

		List<Violation> violationsOf(String name) {
			return this.violations.stream().filter((violation) -> belongsTo(violation.property(), name)).toList();
		}

		static boolean belongsTo(String property, String name) {
			String client = GrpcClientsProperties.CLIENTS + "." + name;
			String bracketed = GrpcClientsProperties.CLIENTS + "[" + name + "]";
			return property.equals(client) || property.startsWith(client + ".") || property.startsWith(client + "[")
					|| property.startsWith(bracketed);
		}

	}

}
