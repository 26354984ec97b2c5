package io.github.grpcretry.channel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.properties.NegotiationType;
import io.github.grpcretry.serviceconfig.ServiceConfigMapper;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
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
 * Builds the channel of each configured client from its (validated) properties, and shuts every channel it built
 * down together: {@code shutdown()}, wait up to each client's grace period, then {@code shutdownNow()}. A channel
 * built once that shutdown has begun is shut down at once.
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

	private final List<BuiltChannel> channels = new ArrayList<>();

	// Computed once per client, so that what operations report is the very map grpc-java was handed.
	private final Map<String, ChannelSettings> settings = new ConcurrentHashMap<>();

	// Kept after close(), so that a shut-down channel still reports SHUTDOWN rather than vanishing.
	private final Map<String, ManagedChannel> channelsByClient = new ConcurrentHashMap<>();

	// Guarded by channels, so that a channel is either in the list that close() takes or sees that it was taken.
	private boolean closed;

	/**
	 * Creates a factory.
	 * @param properties the clients' properties, already validated
	 * @param sslBundles finds an SSL bundle by name
	 * @param customizers called for every client's builder, in order, before it is built
	 */
	public GrpcChannelFactory(GrpcClientsProperties properties, Function<String, SslBundle> sslBundles,
			List<RetryChannelBuilderCustomizer> customizers) {
		this(properties, sslBundles, null, customizers);
	}

	/**
	 * Creates a factory that first adds what must sit innermost on every channel.
	 * @param properties the clients' properties, already validated
	 * @param sslBundles finds an SSL bundle by name
	 * @param innermost called for every client's builder before the customizers, so that the interceptors it adds
	 * sit innermost (grpc-java runs the interceptor added last first), or {@code null}
	 * @param customizers called for every client's builder, in order, before it is built
	 */
	public GrpcChannelFactory(GrpcClientsProperties properties, Function<String, SslBundle> sslBundles,
			@Nullable RetryChannelBuilderCustomizer innermost, List<RetryChannelBuilderCustomizer> customizers) {
		this.properties = properties;
		this.sslBundles = sslBundles;
		this.innermost = innermost;
		this.customizers = List.copyOf(customizers);
	}

	/**
	 * Builds the channel of a client. The channel connects lazily, on its first call.
	 * @param clientName the client's key under {@code grpc.clients}
	 * @return the channel, shut down when this factory is closed, or already shut down if it has been
	 */
	public ManagedChannel createChannel(String clientName) {
		ClientProperties client = this.properties.clients().get(clientName);
		if (client == null) {
			throw new IllegalArgumentException("No gRPC client named '" + clientName + "' under "
					+ GrpcClientsProperties.CLIENTS + "; the clients are " + this.properties.clients().keySet());
		}
		ChannelSettings settings = settings(clientName);
		ManagedChannelBuilder<?> builder = newBuilder(client);
		applyServiceConfig(client, settings, builder);
		applyChannelSettings(client, builder);
		if (this.innermost != null) {
			this.innermost.customize(clientName, builder);
		}
		for (RetryChannelBuilderCustomizer customizer : this.customizers) {
			customizer.customize(clientName, builder);
		}
		ManagedChannel channel = builder.build();
		this.channelsByClient.put(clientName, channel);
		if (!add(new BuiltChannel(clientName, channel, client.shutdownGracePeriod()))) {
			logger.warn("gRPC client '" + clientName + "' was requested after the application began shutting down;"
					+ " its channel is shut down at once, so its calls fail");
			channel.shutdownNow();
		}
		return channel;
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
		ClientProperties client = this.properties.clients().get(clientName);
		if (client == null) {
			return null;
		}
		return this.settings.computeIfAbsent(clientName, (name) -> describe(client));
	}

	/**
	 * The channel last built for a client, also once shut down.
	 * @param clientName the client's key under {@code grpc.clients}
	 * @return the channel, or {@code null} while none was built
	 */
	public @Nullable ManagedChannel builtChannel(String clientName) {
		return this.channelsByClient.get(clientName);
	}

	private static ChannelSettings describe(ClientProperties client) {
		String negotiationType = client.negotiationType().name().toLowerCase(Locale.ROOT);
		String sslBundle = (client.negotiationType() == NegotiationType.TLS) ? client.ssl().bundle() : null;
		// An in-process address is a single direct address, for which grpc-java forbids a load-balancing policy.
		String loadBalancingPolicy = isInProcess(client) ? null : client.loadBalancingPolicy().policyName();
		return new ChannelSettings(client.address(), negotiationType, sslBundle, loadBalancingPolicy,
				ServiceConfigMapper.toServiceConfig(client));
	}

	private boolean add(BuiltChannel channel) {
		synchronized (this.channels) {
			if (this.closed) {
				return false;
			}
			this.channels.add(channel);
			return true;
		}
	}

	private ManagedChannelBuilder<?> newBuilder(ClientProperties client) {
		String address = client.address();
		if (isInProcess(client)) {
			return InProcessChannels.forName(address.substring(IN_PROCESS_PREFIX.length()));
		}
		return Grpc.newChannelBuilder(StaticNameResolverProvider.target(address), credentials(client));
	}

	private static boolean isInProcess(ClientProperties client) {
		return IN_PROCESS_PRESENT && client.address().startsWith(IN_PROCESS_PREFIX);
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

	private static void applyServiceConfig(ClientProperties client, ChannelSettings settings,
			ManagedChannelBuilder<?> builder) {
		builder.enableRetry();
		if (!client.serviceConfigLookup()) {
			builder.disableServiceConfigLookUp();
		}
		if (!settings.serviceConfig().isEmpty()) {
			builder.defaultServiceConfig(settings.serviceConfig());
		}
		raiseAttemptCaps(builder, ServiceConfigMapper.largestMaxAttempts(client));
		if (settings.loadBalancingPolicy() != null) {
			builder.defaultLoadBalancingPolicy(settings.loadBalancingPolicy());
		}
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
	 * Shuts down every channel this factory built: all at once, then waits for calls in flight for up to each
	 * client's grace period, and cancels what is still running after that. Channels built from now on are shut down
	 * as soon as they are built.
	 */
	@Override
	public void close() {
		List<BuiltChannel> toClose;
		synchronized (this.channels) {
			this.closed = true;
			toClose = new ArrayList<>(this.channels);
			this.channels.clear();
		}
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

	private record BuiltChannel(String clientName, ManagedChannel channel, Duration gracePeriod) {
	}

}
