package io.github.grpcretry.internal.channel;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.github.grpcretry.channel.RetryChannelBuilderCustomizer;
import io.github.grpcretry.channel.RetryServiceConfigCustomizer;
import io.github.grpcretry.channel.ServiceConfigChangeListener;
import io.github.grpcretry.internal.serviceconfig.AttemptCaps;
import io.github.grpcretry.internal.serviceconfig.RetryBuffers;
import io.github.grpcretry.internal.serviceconfig.ServiceConfigMapper;
import io.github.grpcretry.internal.serviceconfig.ServiceConfigPipeline;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.properties.NegotiationType;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;

/**
 * Builds the channel of each configured client from its (validated) properties, one live channel per client, keeps
 * track of what it built, and shuts channels down. The transport and its credentials come from
 * {@link ClientTransports}, the service config from the {@link ServiceConfigPipeline} that every change takes too.
 * Shutting down: {@code shutdown()}, wait up to the client's grace period, then {@code shutdownNow()}; one
 * channel when its bean is destroyed ({@link #shutdown(ManagedChannel)}), and what is left when the factory is
 * closed. A channel built once the factory is closed is shut down at once.
 */
public class GrpcChannelFactory implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(GrpcChannelFactory.class);

	private final GrpcClientsProperties properties;

	private final ClientTransports transports;

	private final ServiceConfigPipeline pipeline;

	private final @Nullable RetryChannelBuilderCustomizer innermost;

	private final List<RetryChannelBuilderCustomizer> customizers;

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
		this.transports = new ClientTransports(sslBundles);
		this.pipeline = new ServiceConfigPipeline(this.transports, serviceConfigCustomizers, customizerNames);
		this.innermost = innermost;
		this.customizers = List.copyOf(customizers);
		this.customizerNames = customizerNames;
		Map<String, ChannelSettings> settings = new LinkedHashMap<>();
		Map<String, ClientServiceConfig> clientServiceConfigs = new LinkedHashMap<>();
		properties.clients().forEach((name, client) -> {
			ChannelSettings described = describe(name, client);
			settings.put(name, described);
			// Each client's service config from the start, so that it says it has been in effect since then.
			clientServiceConfigs.put(name, new ClientServiceConfig(name, client, described.serviceConfig(),
					described.loadBalancingPolicy(),
					unchangeable(client), ClientAddress.isXds(ClientAddress.of(client)), serviceConfigChanges(),
					Clock.systemUTC()));
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
		ClientProperties client = client(clientName);
		BuiltChannel built = this.channels.get(clientName);
		if (built != null && !built.channel().isShutdown()) {
			return built.channel();
		}
		// Built outside the lock: a customizer may take its time, and close() must not wait for it.
		return keep(build(clientName, client));
	}

	private BuiltChannel build(String clientName, ClientProperties client) {
		ChannelSettings settings = settingsOf(clientName);
		ClientServiceConfig clientServiceConfig = clientServiceConfig(clientName);
		LiveServiceConfig serviceConfig = clientServiceConfig.live();
		// What the config is as the channel is built: its default service config, until the config changes.
		LiveServiceConfig.Version builtWith = serviceConfig.current();
		ManagedChannelBuilder<?> builder = this.transports.newBuilder(client, (target) -> LiveServiceConfigResolverProvider
			.registryFor(target, serviceConfig, builtWith, client.serviceConfigLookup()));
		if (settings.loadBalancingPolicy() != null) {
			builder.defaultLoadBalancingPolicy(settings.loadBalancingPolicy());
		}
		ClientTransports.applyChannelSettings(client, builder);
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
		int retryAttemptsCap = AttemptCaps.of(guarded.retryAttemptsCap(), largestMaxAttempts);
		int hedgedAttemptsCap = AttemptCaps.of(guarded.hedgedAttemptsCap(), largestMaxAttempts);
		builder.maxRetryAttempts(retryAttemptsCap);
		builder.maxHedgedAttempts(hedgedAttemptsCap);
		ManagedChannel channel = builder.build();
		serviceConfig.wakeWith(() -> channel.getState(true));
		return new BuiltChannel(clientName, channel, client.shutdownGracePeriod(),
				Math.min(retryAttemptsCap, hedgedAttemptsCap),
				retryBufferLimit(client, guarded.perRpcBufferLimit(), guarded.retryBufferSize()));
	}

	/**
	 * The service config a client's re-bound properties make for its running channel, through the
	 * {@link ServiceConfigPipeline} its start-up config came through, against the policy and attempt cap the channel
	 * was built with.
	 * @param clientName the client's key under {@code grpc.clients}
	 * @param client the client's new properties
	 * @return the service config and load-balancing policy, for {@link ClientServiceConfig#configure}
	 * @throws InvalidChannelCustomizationException if a service-config customizer's amendment is refused
	 * @throws IllegalStateException if the amended config needs more attempts than the running channel's cap, or
	 * grpc-java refuses it
	 * @throws IllegalArgumentException for a name that is not a configured client
	 */
	public ServiceConfigPipeline.Configured configuredFor(String clientName, ClientProperties client) {
		ChannelSettings built = settingsOf(clientName);
		return this.pipeline.forRunningChannel(clientName, client, built.loadBalancingPolicy(), attemptCap(clientName));
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

	private ClientProperties client(String clientName) {
		ClientProperties client = this.properties.clients().get(clientName);
		if (client == null) {
			throw unknownClient(clientName);
		}
		return client;
	}

	private ChannelSettings settingsOf(String clientName) {
		ChannelSettings settings = this.settings.get(clientName);
		if (settings == null) {
			throw unknownClient(clientName);
		}
		return settings;
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
		return new ChannelSettings(ClientAddress.of(client), negotiationType, sslBundle,
				this.transports.loadBalancingPolicy(client), this.pipeline.serviceConfig(clientName, client));
	}

	// Why a running channel of the client cannot take a new service config, or null when it can.
	private static @Nullable String unchangeable(ClientProperties client) {
		if (ClientAddress.isInProcess(client)) {
			return "has an in-process address, a direct address without a name resolver, through which alone a"
					+ " running channel takes a new service config; its retries change with its configuration and a"
					+ " restart";
		}
		if (ClientAddress.isXds(ClientAddress.of(client))) {
			return "resolves " + TargetCredentials.masked(ClientAddress.of(client)) + ", whose xDS control plane supplies"
					+ " its service config (its routes and their retry policies), which grpc-java applies alone:"
					+ " change its retries in the control plane";
		}
		return null;
	}

	private static void applyServiceConfig(ClientProperties client, Map<String, ?> serviceConfig,
			ManagedChannelBuilder<?> builder) {
		builder.enableRetry();
		// Elsewhere the starter's resolver decides whether the target's own service config wins, and grpc-java must
		// look the resolver's config up to take the live one.
		if (!client.serviceConfigLookup() && ClientAddress.isInProcess(client)) {
			builder.disableServiceConfigLookUp();
		}
		if (!serviceConfig.isEmpty()) {
			builder.defaultServiceConfig(serviceConfig);
		}
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
	 * The fewest request bytes that overflow a call's retry buffer in a client's running channel, where grpc-java
	 * commits the call to its attempt: the smaller of its per-call limit and its whole buffer, as configured, as a
	 * customizer set them, or grpc-java's own (1 MiB and 16 MiB).
	 * @param clientName the client's key under {@code grpc.clients}
	 * @return the limit
	 */
	public long retryBufferLimit(String clientName) {
		BuiltChannel built = this.channels.get(clientName);
		return (built != null) ? built.retryBufferLimit() : retryBufferLimit(client(clientName), 0, 0);
	}

	private static long retryBufferLimit(ClientProperties client, long customizedPerRpc, long customizedChannel) {
		long perRpc = (customizedPerRpc > 0) ? customizedPerRpc
				: (client.perRpcBufferLimit() != null) ? client.perRpcBufferLimit().toBytes()
						: RetryBuffers.GRPC_PER_RPC_LIMIT;
		long channel = (customizedChannel > 0) ? customizedChannel
				: (client.retryBufferSize() != null) ? client.retryBufferSize().toBytes()
						: RetryBuffers.GRPC_CHANNEL_SIZE;
		return RetryBuffers.callLimit(perRpc, channel);
	}

	private record BuiltChannel(String clientName, ManagedChannel channel, Duration gracePeriod, int attemptCap,
			long retryBufferLimit) {
	}

}
