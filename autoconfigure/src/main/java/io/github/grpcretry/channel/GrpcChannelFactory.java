package io.github.grpcretry.channel;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.properties.NegotiationType;
import io.github.grpcretry.serviceconfig.ServiceConfigMapper;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolverRegistry;
import io.grpc.TlsChannelCredentials;
import io.grpc.inprocess.InProcessChannelBuilder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

/**
 * Builds the channel of each configured client from its (validated) properties, one live channel per client, and
 * shuts channels down: {@code shutdown()}, wait up to the client's grace period, then {@code shutdownNow()}; one
 * channel when its bean is destroyed ({@link #shutdown(ManagedChannel)}), and what is left when the factory is
 * closed. A channel built once the factory is closed is shut down at once.
 */
public class GrpcChannelFactory implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(GrpcChannelFactory.class);

	private static final String IN_PROCESS_PREFIX = "in-process:";

	private static final boolean IN_PROCESS_PRESENT = ClassUtils
		.isPresent("io.grpc.inprocess.InProcessChannelBuilder", GrpcChannelFactory.class.getClassLoader());

	/** grpc-java's own cap on attempts, which a larger {@code max-attempts} must raise. */
	private static final int GRPC_DEFAULT_MAX_ATTEMPTS = 5;

	private final GrpcClientsProperties properties;

	private final Function<String, SslBundle> sslBundles;

	private final @Nullable RetryChannelBuilderCustomizer innermost;

	private final List<RetryChannelBuilderCustomizer> customizers;

	private final List<RetryServiceConfigCustomizer> serviceConfigCustomizers;

	// Names a customizer in a start-up failure: its bean name and class in a Spring context.
	private final Function<Object, String> customizerNames;

	// Guards closed and every change to channels. Never held while a channel is built or shut down.
	private final Object lock = new Object();

	// The last channel built per client, so asking again builds nothing; kept once shut down, so that it still
	// reports SHUTDOWN rather than vanishing, and replaced by the next one built. Read without the lock.
	private final Map<String, BuiltChannel> channels = new ConcurrentHashMap<>();

	// Computed once per client by the constructor, so that what operations report is the very map grpc-java was
	// handed, and no customizer runs under a map's lock.
	private final Map<String, ChannelSettings> settings;

	// Per client, the service config its channel is handed through its name resolver, which may change while it runs.
	private final Map<String, ClientServiceConfig> clientServiceConfigs;

	private volatile ServiceConfigChangeListener changeListener = (client, source, result) -> {
	};

	// So that a channel is either among those close() takes or sees that they were taken.
	@GuardedBy("lock")
	private boolean closed;

	/**
	 * Creates a factory without service-config customizers, whose builder customizers are named by their class.
	 * @param properties the clients' properties, already validated
	 * @param sslBundles finds an SSL bundle by name
	 * @param customizers called for every client's builder, in order, before it is built
	 */
	public GrpcChannelFactory(GrpcClientsProperties properties, Function<String, SslBundle> sslBundles,
			List<RetryChannelBuilderCustomizer> customizers) {
		this(properties, sslBundles, null, customizers, List.of(), (customizer) -> customizer.getClass().getName());
	}

	/**
	 * Creates a factory and amends every client's service config with the service-config customizers at once, so
	 * that an amendment grpc-java would refuse fails here, also for a channel built later.
	 * @param properties the clients' properties, already validated
	 * @param sslBundles finds an SSL bundle by name
	 * @param innermost called for every client's builder before the customizers, so that the interceptors it adds
	 * sit innermost (grpc-java runs the interceptor added last first), or {@code null}
	 * @param customizers called for every client's builder, in order, before it is built
	 * @param serviceConfigCustomizers called for every client's service config, in order
	 * @param customizerNames names a customizer of either kind in a start-up failure
	 * @throws InvalidChannelCustomizationException if a service-config customizer's amendment is refused
	 */
	public GrpcChannelFactory(GrpcClientsProperties properties, Function<String, SslBundle> sslBundles,
			@Nullable RetryChannelBuilderCustomizer innermost, List<RetryChannelBuilderCustomizer> customizers,
			List<RetryServiceConfigCustomizer> serviceConfigCustomizers, Function<Object, String> customizerNames) {
		this.properties = properties;
		this.sslBundles = sslBundles;
		this.innermost = innermost;
		this.customizers = List.copyOf(customizers);
		this.serviceConfigCustomizers = List.copyOf(serviceConfigCustomizers);
		this.customizerNames = customizerNames;
		Map<String, ChannelSettings> settings = new LinkedHashMap<>();
		Map<String, ClientServiceConfig> clientServiceConfigs = new LinkedHashMap<>();
		properties.clients().forEach((name, client) -> {
			ChannelSettings described = describe(name, client);
			settings.put(name, described);
			// Each client's service config from the start, so that it says it has been in effect since then.
			LiveServiceConfig live = new LiveServiceConfig(described.serviceConfig());
			clientServiceConfigs.put(name, new ClientServiceConfig(name, live, client, described.loadBalancingPolicy(),
					unchangeable(client), LiveServiceConfigResolverProvider.suppliesServiceConfig(address(client)),
					serviceConfigChanges(), Clock.systemUTC()));
		});
		this.settings = Map.copyOf(settings);
		this.clientServiceConfigs = Map.copyOf(clientServiceConfigs);
	}

	/**
	 * The channel of a client: the one built before, while it is not shut down, or else a new one, which connects
	 * lazily, on its first call. Asking again for a client keeps no second channel.
	 * @param clientName the client's key under {@code grpc.clients}
	 * @return the channel, shut down when this factory is closed, or already shut down if it has been
	 */
	public ManagedChannel createChannel(String clientName) {
		ClientProperties client = this.properties.clients().get(clientName);
		if (client == null) {
			throw unknownClient(clientName);
		}
		BuiltChannel built = this.channels.get(clientName);
		if (built != null && !built.channel().isShutdown()) {
			return built.channel();
		}
		// Built outside the lock: a customizer may take its time, and close() must not wait for it.
		return keep(build(clientName, client));
	}

	private BuiltChannel build(String clientName, ClientProperties client) {
		ChannelSettings settings = Objects.requireNonNull(this.settings.get(clientName), "a configured client's");
		ClientServiceConfig clientServiceConfig = clientServiceConfig(clientName);
		LiveServiceConfig serviceConfig = clientServiceConfig.live();
		// What the config is as the channel is built: its default service config, until the config changes.
		LiveServiceConfig.Version builtWith = serviceConfig.current();
		ManagedChannelBuilder<?> builder = newBuilder(client, (target) -> LiveServiceConfigResolverProvider
			.registryFor(target, serviceConfig, builtWith, client.serviceConfigLookup()));
		applyLoadBalancingPolicy(settings, builder);
		applyChannelSettings(client, builder);
		if (this.innermost != null) {
			this.innermost.customize(clientName, builder);
		}
		// The caps come from the configured policies, never from the config in effect: while the incident switch is
		// off, that one has no policy, and caps sized by it would lower the configured ones once it is back on.
		int largestMaxAttempts = ServiceConfigMapper.largestMaxAttempts(clientServiceConfig.configured());
		// Customizers get a builder that refuses what would drop the service config; it is applied after them.
		GuardedChannelBuilder guarded = new GuardedChannelBuilder(builder, clientName, client.serviceConfigLookup(),
				largestMaxAttempts, this.customizerNames);
		for (RetryChannelBuilderCustomizer customizer : this.customizers) {
			guarded.customizedBy(customizer);
			customizer.customize(clientName, guarded);
		}
		applyServiceConfig(client, builtWith.serviceConfig(), builder);
		int retryAttemptsCap = attemptsCap(guarded.retryAttemptsCap(), largestMaxAttempts);
		int hedgedAttemptsCap = attemptsCap(guarded.hedgedAttemptsCap(), largestMaxAttempts);
		builder.maxRetryAttempts(retryAttemptsCap);
		builder.maxHedgedAttempts(hedgedAttemptsCap);
		ManagedChannel channel = builder.build();
		serviceConfig.wakeWith(() -> channel.getState(true));
		return new BuiltChannel(clientName, channel, client.shutdownGracePeriod(),
				Math.min(retryAttemptsCap, hedgedAttemptsCap));
	}

	/**
	 * The service config a client's re-bound properties make for its running channel: their method configs and retry
	 * throttling, amended by the service-config customizers as at start-up, with their load-balancing policy; checked
	 * against the running channel's attempt cap and parsed by grpc-java. The caller has validated the properties by
	 * the start-up rules, and checked that every other property is as the channel was built with
	 * ({@link #builtWith(String)}).
	 * @param clientName the client's key under {@code grpc.clients}
	 * @param client the client's new properties
	 * @return the service config and load-balancing policy, for {@link ClientServiceConfig#configure}
	 * @throws InvalidChannelCustomizationException if a service-config customizer's amendment is refused
	 * @throws IllegalStateException if the amended config needs more attempts than the running channel's cap, or
	 * grpc-java refuses it
	 * @throws IllegalArgumentException for a name that is not a configured client
	 */
	public Configured configuredFor(String clientName, ClientProperties client) {
		ChannelSettings built = settings(clientName);
		if (built == null) {
			throw unknownClient(clientName);
		}
		String builtPolicy = built.loadBalancingPolicy();
		String policy = isInProcess(client) ? null : client.loadBalancingPolicy().policyName();
		Map<String, Object> configured = ServiceConfigMapper.toServiceConfig(client);
		// The channel's default policy is the one it was built with; another one travels in the service config.
		if (policy != null && !policy.equals(builtPolicy)) {
			configured.put("loadBalancingConfig", List.of(Map.of(policy, Map.of())));
		}
		Map<String, Object> serviceConfig = amend(clientName, client, configured);
		int cap = attemptCap(clientName);
		int largest = ServiceConfigMapper.largestMaxAttempts(serviceConfig);
		if (cap > 0 && largest > cap) {
			throw new IllegalStateException("the new service config has a maxAttempts of " + largest + ", above the"
					+ " running channel's cap of " + cap + " attempts, set when it was built; grpc-java would lower it"
					+ " to " + cap + " without a word. Keep every max-attempts at most " + cap + ", or restart the"
					+ " application to raise the cap");
		}
		parse(client, serviceConfig);
		return new Configured(serviceConfig, policy);
	}

	/**
	 * A service config made for a running channel.
	 *
	 * @param serviceConfig the config, as grpc-java takes it
	 * @param loadBalancingPolicy its load-balancing policy; {@code null} for an in-process address
	 */
	public record Configured(Map<String, Object> serviceConfig, @Nullable String loadBalancingPolicy) {
	}

	/**
	 * The properties a client's channel is built with: those of the application's start.
	 * @param clientName the client's key under {@code grpc.clients}
	 * @return its properties, or {@code null} for a name that is not a configured client
	 */
	public @Nullable ClientProperties builtWith(String clientName) {
		return this.properties.clients().get(clientName);
	}

	/**
	 * The cap on attempts of a client's running channel, set when it was built: no retry or hedging policy it takes
	 * while it runs may make more.
	 * @param clientName the client's key under {@code grpc.clients}
	 * @return the lower of its retry and hedging caps, or 0 while no channel runs (one built later is built with the
	 * caps its service config needs then)
	 */
	public int attemptCap(String clientName) {
		BuiltChannel built = this.channels.get(clientName);
		return (built != null && !built.channel().isShutdown()) ? built.attemptCap() : 0;
	}

	/**
	 * A client's service config while the application runs: the one in effect, where it came from, and the incident
	 * switch that turns its retries off.
	 * @param clientName the client's key under {@code grpc.clients}
	 * @return the client's service config
	 * @throws IllegalArgumentException for a name that is not a configured client
	 */
	public ClientServiceConfig clientServiceConfig(String clientName) {
		ClientServiceConfig clientServiceConfig = this.clientServiceConfigs.get(clientName);
		if (clientServiceConfig == null) {
			throw unknownClient(clientName);
		}
		return clientServiceConfig;
	}

	private IllegalArgumentException unknownClient(String clientName) {
		return new IllegalArgumentException("No gRPC client named '" + clientName + "' under "
				+ GrpcClientsProperties.CLIENTS + "; the clients are " + this.properties.clients().keySet());
	}

	/**
	 * Sets who is told of each change to a client's service config while the application runs.
	 * @param listener the listener, such as the one that counts {@code grpc.client.service_config.changes}
	 */
	public void onServiceConfigChange(ServiceConfigChangeListener listener) {
		this.changeListener = listener;
	}

	/**
	 * Who is told of each change to a client's service config, also of one to a client the application did not start
	 * with.
	 * @return the listener set with {@link #onServiceConfigChange}
	 */
	public ServiceConfigChangeListener serviceConfigChanges() {
		return (client, source, result) -> this.changeListener.changed(client, source, result);
	}

	/**
	 * The service config of a client's channel, through which it can change while the channel runs; what is set on
	 * it is not validated here.
	 * @param clientName the client's key under {@code grpc.clients}
	 * @return the client's live service config
	 * @throws IllegalArgumentException for a name that is not a configured client
	 */
	public LiveServiceConfig serviceConfig(String clientName) {
		return clientServiceConfig(clientName).live();
	}

	private ManagedChannel keep(BuiltChannel built) {
		BuiltChannel kept;
		boolean closed;
		synchronized (this.lock) {
			closed = this.closed;
			kept = this.channels.get(built.clientName());
			if (closed || kept == null || kept.channel().isShutdown()) {
				this.channels.put(built.clientName(), built);
				kept = built;
			}
		}
		// Shut down without the lock: grpc-java shuts the target's name resolver down on this thread.
		if (kept != built) {
			// Another thread built the client's channel first: that one is the client's.
			built.channel().shutdownNow();
		}
		else if (closed) {
			logger.warn("gRPC client '" + built.clientName() + "' was requested after the application began shutting"
					+ " down; its channel is shut down at once, so its calls fail");
			built.channel().shutdownNow();
		}
		return kept.channel();
	}

	/**
	 * The names of the configured clients, whether or not their channel was built yet.
	 * @return the client names
	 */
	public Set<String> clientNames() {
		return this.properties.clients().keySet();
	}

	/**
	 * What a client's channel is (or will be) built with: the same settings, and the same service config map, that
	 * {@link #createChannel(String)} hands grpc-java.
	 * @param clientName the client's key under {@code grpc.clients}
	 * @return its settings, or {@code null} for a name that is not a configured client
	 */
	public @Nullable ChannelSettings settings(String clientName) {
		return this.settings.get(clientName);
	}

	/**
	 * The channel last built for a client, also once shut down.
	 * @param clientName the client's key under {@code grpc.clients}
	 * @return the channel, or {@code null} while none was built
	 */
	public @Nullable ManagedChannel builtChannel(String clientName) {
		BuiltChannel built = this.channels.get(clientName);
		return (built != null) ? built.channel() : null;
	}

	/**
	 * Whether a channel is the one this factory holds for its client, which it shuts down.
	 * @param channel a channel
	 * @return whether this factory built it and has not replaced it
	 */
	public boolean hasBuilt(ManagedChannel channel) {
		return find(channel) != null;
	}

	private ChannelSettings describe(String clientName, ClientProperties client) {
		String negotiationType = client.negotiationType().name().toLowerCase(Locale.ROOT);
		String sslBundle = (client.negotiationType() == NegotiationType.TLS) ? client.ssl().bundle() : null;
		// An in-process address is a single direct address, for which grpc-java forbids a load-balancing policy.
		String loadBalancingPolicy = isInProcess(client) ? null : client.loadBalancingPolicy().policyName();
		Map<String, Object> serviceConfig = amend(clientName, client, ServiceConfigMapper.toServiceConfig(client));
		return new ChannelSettings(address(client), negotiationType, sslBundle, loadBalancingPolicy, serviceConfig);
	}

	// What the channel's resolver will hand grpc-java, parsed by grpc-java first, so that nothing it would refuse
	// reaches a running channel (which would keep its old config, or fail its calls).
	private void parse(ClientProperties client, Map<String, ?> serviceConfig) {
		try {
			probe(client, serviceConfig).defaultServiceConfig(serviceConfig).build().shutdownNow();
		}
		catch (IllegalArgumentException | ClassCastException ex) {
			String reason = String.valueOf(ex.getMessage()).lines().findFirst().orElse("");
			throw new IllegalStateException("grpc-java refuses the new service config (" + reason + "): "
					+ serviceConfig, ex);
		}
	}

	// The service-config customizers' amendments, each parsed by grpc-java on a probe of the client's transport.
	private Map<String, Object> amend(String clientName, ClientProperties client, Map<String, Object> serviceConfig) {
		return ServiceConfigAmendments.amend(clientName, serviceConfig, this.serviceConfigCustomizers,
				this.customizerNames, (amended) -> probe(client, amended));
	}

	// A builder of the client's transport on which grpc-java parses a service config: retry enabled, its attempt caps
	// raised to the config's largest maxAttempts, and grpc-java's own resolvers; it connects only if used.
	private ManagedChannelBuilder<?> probe(ClientProperties client, Map<String, ?> serviceConfig) {
		ManagedChannelBuilder<?> probe = newBuilder(client, (target) -> NameResolverRegistry.getDefaultRegistry())
			.enableRetry();
		raiseAttemptCaps(probe, ServiceConfigMapper.largestMaxAttempts(serviceConfig));
		return probe;
	}

	// Every channel but an in-process one (a direct address, which has no name resolver) resolves its target with
	// the given registry: the channel's own, which hands grpc-java the live service config.
	private ManagedChannelBuilder<?> newBuilder(ClientProperties client,
			Function<String, NameResolverRegistry> resolvers) {
		String address = address(client);
		if (isInProcess(client)) {
			return InProcessChannels.forName(address.substring(IN_PROCESS_PREFIX.length()));
		}
		String target = StaticNameResolverProvider.target(address);
		return Grpc.newChannelBuilder(target, credentials(client), resolvers.apply(target));
	}

	// Why a running channel of the client cannot take a new service config, or null when it can.
	private static @Nullable String unchangeable(ClientProperties client) {
		if (isInProcess(client)) {
			return "has an in-process address, a direct address without a name resolver, through which alone a"
					+ " running channel takes a new service config; its retries change with its configuration and a"
					+ " restart";
		}
		if (LiveServiceConfigResolverProvider.suppliesServiceConfig(address(client))) {
			return "resolves " + TargetCredentials.masked(address(client)) + ", whose xDS control plane supplies"
					+ " its service config (its routes and their retry policies), which grpc-java applies alone:"
					+ " change its retries in the control plane";
		}
		return null;
	}

	private static boolean isInProcess(ClientProperties client) {
		return IN_PROCESS_PRESENT && address(client).startsWith(IN_PROCESS_PREFIX);
	}

	// Every client here has one: validation fails start-up, and refuses a refresh, for a client without it.
	private static String address(ClientProperties client) {
		return Objects.requireNonNull(client.address(), "a gRPC client's address, which validation requires");
	}

	private ChannelCredentials credentials(ClientProperties client) {
		if (client.negotiationType() == NegotiationType.PLAINTEXT) {
			return InsecureChannelCredentials.create();
		}
		String bundleName = client.ssl().bundle();
		if (bundleName == null) {
			return TlsChannelCredentials.create();
		}
		SslBundle bundle = this.sslBundles.apply(bundleName);
		TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
		TrustManager[] trustManagers = bundle.getManagers().getTrustManagers();
		if (trustManagers != null && trustManagers.length > 0) {
			tls.trustManager(trustManagers);
		}
		KeyManager[] keyManagers = bundle.getManagers().getKeyManagers();
		if (keyManagers != null && keyManagers.length > 0) {
			tls.keyManager(keyManagers);
		}
		return tls.build();
	}

	private static void applyServiceConfig(ClientProperties client, Map<String, ?> serviceConfig,
			ManagedChannelBuilder<?> builder) {
		builder.enableRetry();
		// Elsewhere the starter's resolver decides whether the target's own service config wins, and grpc-java must
		// look the resolver's config up to take the live one.
		if (!client.serviceConfigLookup() && isInProcess(client)) {
			builder.disableServiceConfigLookUp();
		}
		if (!serviceConfig.isEmpty()) {
			builder.defaultServiceConfig(serviceConfig);
		}
	}

	private static void applyLoadBalancingPolicy(ChannelSettings settings, ManagedChannelBuilder<?> builder) {
		if (settings.loadBalancingPolicy() != null) {
			builder.defaultLoadBalancingPolicy(settings.loadBalancingPolicy());
		}
	}

	// A cap a customizer asked for (never below the largest max-attempts), else grpc-java's own, raised if need be.
	private static int attemptsCap(int customized, int largestMaxAttempts) {
		return (customized > 0) ? customized : Math.max(largestMaxAttempts, GRPC_DEFAULT_MAX_ATTEMPTS);
	}

	/**
	 * Raises a builder's caps on retry and hedging attempts to the largest configured {@code max-attempts} when that
	 * is above grpc-java's own cap of 5, to which grpc-java would otherwise lower every policy without a word.
	 * @param builder the channel's builder
	 * @param largestMaxAttempts the largest {@code max-attempts} of the channel's policies
	 */
	public static void raiseAttemptCaps(ManagedChannelBuilder<?> builder, int largestMaxAttempts) {
		if (largestMaxAttempts > GRPC_DEFAULT_MAX_ATTEMPTS) {
			builder.maxRetryAttempts(largestMaxAttempts);
			builder.maxHedgedAttempts(largestMaxAttempts);
		}
	}

	// Plain ifs, not PropertyMapper, whose binary shape differs between the Spring Boot versions this jar runs on.
	private static void applyChannelSettings(ClientProperties client, ManagedChannelBuilder<?> builder) {
		if (client.retryBufferSize() != null) {
			builder.retryBufferSize(client.retryBufferSize().toBytes());
		}
		if (client.perRpcBufferLimit() != null) {
			builder.perRpcBufferLimit(client.perRpcBufferLimit().toBytes());
		}
		ClientProperties.KeepAlive keepAlive = client.keepAlive();
		if (keepAlive.time() != null) {
			builder.keepAliveTime(keepAlive.time().toNanos(), TimeUnit.NANOSECONDS);
		}
		if (keepAlive.timeout() != null) {
			builder.keepAliveTimeout(keepAlive.timeout().toNanos(), TimeUnit.NANOSECONDS);
		}
		if (keepAlive.withoutCalls()) {
			builder.keepAliveWithoutCalls(true);
		}
		if (client.idleTimeout() != null) {
			builder.idleTimeout(client.idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
		}
		if (client.maxInboundMessageSize() != null) {
			builder.maxInboundMessageSize(intBytes(client.maxInboundMessageSize()));
		}
		if (client.maxInboundMetadataSize() != null) {
			builder.maxInboundMetadataSize(intBytes(client.maxInboundMetadataSize()));
		}
		if (StringUtils.hasText(client.userAgent())) {
			builder.userAgent(client.userAgent());
		}
	}

	private static int intBytes(DataSize size) {
		return Math.toIntExact(size.toBytes());
	}

	/**
	 * Shuts down one channel this factory built, as its bean is destroyed: {@code shutdown()}, waits for its calls in
	 * flight for up to its client's grace period, and cancels what still runs after that. Does nothing for a channel
	 * it did not build or that is shut down already.
	 * @param channel the channel
	 */
	public void shutdown(ManagedChannel channel) {
		BuiltChannel built = find(channel);
		if (built != null && !channel.isShutdown()) {
			shutdown(List.of(built));
		}
	}

	/**
	 * Shuts down every channel this factory built that is not shut down yet: all at once, then waits for calls in
	 * flight for up to each client's grace period, and cancels what is still running after that. Channels built
	 * from now on are shut down as soon as they are built.
	 */
	@Override
	public void close() {
		List<BuiltChannel> toClose = new ArrayList<>();
		synchronized (this.lock) {
			this.closed = true;
			for (BuiltChannel built : this.channels.values()) {
				if (!built.channel().isShutdown()) {
					toClose.add(built);
				}
			}
		}
		shutdown(toClose);
	}

	private @Nullable BuiltChannel find(ManagedChannel channel) {
		// One per client: a short walk, once per channel bean.
		for (BuiltChannel built : this.channels.values()) {
			if (built.channel() == channel) {
				return built;
			}
		}
		return null;
	}

	private static void shutdown(List<BuiltChannel> toClose) {
		long start = System.nanoTime();
		toClose.forEach((built) -> built.channel().shutdown());
		for (BuiltChannel built : toClose) {
			long remaining = built.gracePeriod().toNanos() - (System.nanoTime() - start);
			if (!awaitTermination(built.channel(), remaining)) {
				logger.warn("gRPC client '" + built.clientName() + "' still had calls in flight after its "
						+ "shutdown-grace-period of " + built.gracePeriod() + "; cancelling them");
				built.channel().shutdownNow();
			}
		}
	}

	private static boolean awaitTermination(ManagedChannel channel, long nanos) {
		try {
			return channel.awaitTermination(Math.max(nanos, 0), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * Keeps grpc-inprocess, an optional dependency, out of the factory's own bytecode, so that the factory loads
	 * without it.
	 */
	private static final class InProcessChannels {

		static ManagedChannelBuilder<?> forName(String name) {
			return InProcessChannelBuilder.forName(name);
		}

	}

	private record BuiltChannel(String clientName, ManagedChannel channel, Duration gracePeriod, int attemptCap) {
	}

}
