package io.github.grpcretry.refresh;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import io.github.grpcretry.channel.ClientServiceConfig;
import io.github.grpcretry.channel.ClientServiceConfig.Source;
import io.github.grpcretry.channel.GrpcChannelFactory;
import io.github.grpcretry.channel.ServiceConfigChangeListener;
import io.github.grpcretry.channel.ServiceConfigChangeListener.Result;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.validation.ClientBindFailures;
import io.github.grpcretry.validation.GrpcClientPropertiesVerifier;
import io.github.grpcretry.validation.InvalidGrpcClientPropertiesException;
import io.github.grpcretry.validation.Violation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.bind.handler.IgnoreTopLevelConverterNotFoundBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.env.Environment;

/**
 * Re-binds {@code grpc.clients} when the configuration changes while the application runs (Spring Cloud's
 * {@code EnvironmentChangeEvent}, which {@code /actuator/refresh}, Spring Cloud Config and Kubernetes ConfigMap
 * reloads publish) and applies each client's new service config to its running channel: its method configs, retry
 * throttling and load-balancing policy. Each changed client is checked by the start-up rules first, and its change
 * is applied whole, refused whole (the full report logged as a warning; the running config stays), or, when it
 * changes a setting a running channel cannot take, left for a restart (one warning; nothing of it applied).
 */
public final class GrpcClientsRefresher {

	private static final Log logger = LogFactory.getLog(GrpcClientsRefresher.class);

	private final GrpcChannelFactory channels;

	private final Environment environment;

	private final Predicate<String> sslBundleExists;

	private final UnaryOperator<BindHandler> clientNames;

	private final ServiceConfigChangeListener listener;

	private final ConversionService conversionService;

	// Guarded by this. Per client, the properties last looked at (start-up's at first), so that a refresh acts on
	// the clients it changed, and reports a change once.
	private final Map<String, @Nullable ClientProperties> examined = new HashMap<>();

	// Guarded by this. Per client, the properties whose service config is in effect.
	private final Map<String, ClientProperties> applied = new HashMap<>();

	/**
	 * Creates the refresher.
	 * @param channels the factory that built the clients' channels, with the properties of the application's start
	 * @param environment the environment to re-bind from
	 * @param sslBundleExists tells whether an SSL bundle of the given name is registered
	 * @param clientNames wraps a handler to bind {@code grpc.clients} as at start-up: one entry per client name,
	 * however spelt
	 * @param conversionService converts values as at start-up: with the application's
	 * {@code @ConfigurationPropertiesBinding} converters, the starter's own among them
	 * @param listener told of a change to a client the application did not start with, which needs a restart
	 */
	public GrpcClientsRefresher(GrpcChannelFactory channels, Environment environment,
			Predicate<String> sslBundleExists, UnaryOperator<BindHandler> clientNames, ConversionService conversionService,
			ServiceConfigChangeListener listener) {
		this.channels = channels;
		this.environment = environment;
		this.sslBundleExists = sslBundleExists;
		this.clientNames = clientNames;
		this.conversionService = conversionService;
		this.listener = listener;
		for (String name : channels.clientNames()) {
			this.examined.put(name, channels.builtWith(name));
			this.applied.put(name, channels.builtWith(name));
		}
	}

	/**
	 * Applies what changed in the configuration, given the keys that changed: nothing unless one is under
	 * {@code grpc}; then every client whose re-bound properties differ from the ones last looked at.
	 * @param keys the changed keys, as the property sources spell them
	 * @throws InterruptedException if interrupted while a channel takes its new config
	 */
	public synchronized void refresh(Set<String> keys) throws InterruptedException {
		if (keys.stream().noneMatch(GrpcClientsRefresher::isStarterKey)) {
			return;
		}
		Bound bound = bind();
		Set<String> names = new LinkedHashSet<>(this.channels.clientNames());
		names.addAll(bound.clients().keySet());
		for (String name : names) {
			examine(name, bound, Source.REFRESH, false);
		}
		List<Violation> ofNoClient = bound.violations()
			.stream()
			.filter((violation) -> names.stream().noneMatch((name) -> Bound.belongsTo(violation.property(), name)))
			.toList();
		if (!ofNoClient.isEmpty()) {
			logger.warn(report("a refresh left properties that break a rule, and changed no client for them",
					ofNoClient));
		}
	}

	/**
	 * Checks a client's configuration as it is now, for the incident switch's {@code "configured"}: a change it
	 * holds is applied, refused or left for a restart as a refresh's would be, and a configuration that breaks a
	 * rule is reported again even if a refresh was refused for it before.
	 * @param clientName the client's name
	 * @return what became of it
	 * @throws InterruptedException if interrupted while the channel takes its new config
	 */
	public synchronized Outcome check(String clientName) throws InterruptedException {
		return examine(clientName, bind(), Source.ENDPOINT, true);
	}

	private Outcome examine(String name, Bound bound, Source source, boolean reportViolations)
			throws InterruptedException {
		List<Violation> violations = bound.violationsOf(name);
		ClientProperties candidate = bound.clients().get(name);
		if (bound.failed() && violations.isEmpty()) {
			// Another client's property could not be bound: this one's is unknown, and stays as it runs.
			return Outcome.UNCHANGED;
		}
		boolean seen = !bound.failed() && this.examined.containsKey(name)
				&& Objects.equals(candidate, this.examined.get(name));
		if (seen && !(reportViolations && !violations.isEmpty())) {
			return Outcome.UNCHANGED;
		}
		if (!bound.failed()) {
			this.examined.put(name, candidate);
		}
		String client = GrpcClientsProperties.CLIENTS + "." + name;
		ClientProperties builtWith = this.channels.builtWith(name);
		if (builtWith == null) {
			logger.warn("gRPC client '" + name + "': " + source.describe() + " added " + client + ", which needs a"
					+ " channel bean of its own: restart the application to add the client");
			this.listener.changed(name, source, Result.RESTART_REQUIRED);
			return new Outcome(Result.RESTART_REQUIRED, List.of(), List.of(client));
		}
		ClientServiceConfig serviceConfig = this.channels.clientServiceConfig(name);
		if (candidate == null && violations.isEmpty()) {
			serviceConfig.requireRestart(List.of(client), source);
			return new Outcome(Result.RESTART_REQUIRED, List.of(), List.of(client));
		}
		if (!violations.isEmpty()) {
			return refuse(name, source, violations);
		}
		List<String> restart = RestartProperties.changed(client, builtWith, candidate);
		List<String> live = RestartProperties.liveChanged(client, this.applied.get(name), candidate);
		if (!serviceConfig.changeable()) {
			// An in-process channel has no name resolver to hand it a new service config.
			restart = new ArrayList<>(restart);
			restart.addAll(live);
		}
		if (!restart.isEmpty()) {
			serviceConfig.requireRestart(restart, source);
			return new Outcome(Result.RESTART_REQUIRED, List.of(), restart);
		}
		if (live.isEmpty()) {
			serviceConfig.clearPendingRestart();
			return Outcome.UNCHANGED;
		}
		try {
			this.channels.reconfigure(name, candidate, source, String.join(", ", live));
		}
		catch (RuntimeException ex) {
			// A service-config customizer's amendment, the running channel's attempt cap, or grpc-java's own parse.
			return refuse(name, source, List.of(Violation.of(client, null, ex.getMessage(),
					"change the client's properties so that the running channel can take them, or restart")));
		}
		this.applied.put(name, candidate);
		return new Outcome(Result.APPLIED, List.of(), List.of());
	}

	private Outcome refuse(String name, Source source, List<Violation> violations) {
		logger.warn(report("gRPC client '" + name + "': " + source.describe() + " was refused whole, and the client"
				+ " runs as it was", violations));
		this.listener.changed(name, source, Result.REFUSED);
		return new Outcome(Result.REFUSED, violations, List.of());
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

	// The prefix in every spelling a property source uses: grpc.clients..., grpc[...], GRPC_CLIENTS_...
	private static boolean isStarterKey(String key) {
		String lower = key.toLowerCase(Locale.ROOT);
		return lower.startsWith(GrpcClientsProperties.PREFIX + ".") || lower.startsWith(GrpcClientsProperties.PREFIX
				+ "_") || lower.startsWith(GrpcClientsProperties.PREFIX + "[");
	}

	private Bound bind() {
		Binder binder = new Binder(ConfigurationPropertySources.get(this.environment),
				new PropertySourcesPlaceholdersResolver(this.environment), this.conversionService, null);
		GrpcClientsProperties properties;
		ClientBindFailures failures = new ClientBindFailures(new IgnoreTopLevelConverterNotFoundBindHandler());
		try {
			properties = binder.bindOrCreate(GrpcClientsProperties.PREFIX, Bindable.of(GrpcClientsProperties.class),
					this.clientNames.apply(failures));
		}
		catch (BindException ex) {
			return new Bound(Map.of(), List.of(violation(ex)), true);
		}
		try {
			GrpcClientPropertiesVerifier.verify(properties, failures.violations(), this.environment,
					this.sslBundleExists);
			return new Bound(properties.clients(), List.of(), false);
		}
		catch (InvalidGrpcClientPropertiesException ex) {
			return new Bound(properties.clients(), ex.getViolations(), false);
		}
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
	 * @param result applied, refused or left for a restart; {@code null} when nothing changed
	 * @param violations every rule it breaks, when refused
	 * @param restartRequired the properties that need a restart, when left for one
	 */
	public record Outcome(@Nullable Result result, List<Violation> violations, List<String> restartRequired) {

		static final Outcome UNCHANGED = new Outcome(null, List.of(), List.of());

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
