package io.github.grpcretry.internal.channel;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

import io.github.grpcretry.internal.serviceconfig.ServiceConfigPipeline;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.NegotiationType;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolverRegistry;
import io.grpc.TlsChannelCredentials;
import io.grpc.inprocess.InProcessChannelBuilder;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

/**
 * Makes the builder of a client's transport: its target and credentials (plaintext, TLS, an SSL bundle's managers),
 * the in-process transport for an {@code in-process:} address, and the channel settings its properties give.
 */
final class ClientTransports implements ServiceConfigPipeline.Transport {

	private final Function<String, SslBundle> sslBundles;

	/**
	 * Creates the transports of the clients.
	 * @param sslBundles finds an SSL bundle by name
	 */
	ClientTransports(Function<String, SslBundle> sslBundles) {
		this.sslBundles = sslBundles;
	}

	@Override
	public @Nullable String loadBalancingPolicy(ClientProperties client) {
		// An in-process address is a single direct address, for which grpc-java forbids a load-balancing policy.
		return ClientAddress.isInProcess(client) ? null : client.loadBalancingPolicy().policyName();
	}

	@Override
	public ManagedChannelBuilder<?> newProbe(ClientProperties client) {
		return newBuilder(client, (target) -> NameResolverRegistry.getDefaultRegistry());
	}

	/**
	 * A builder of the client's transport. Every channel but an in-process one (a direct address, which has no name
	 * resolver) resolves its target with the given registry.
	 * @param client the client's properties
	 * @param resolvers the name resolver registry for a target
	 * @return a new builder, its channel settings not applied yet
	 */
	ManagedChannelBuilder<?> newBuilder(ClientProperties client, Function<String, NameResolverRegistry> resolvers) {
		String address = ClientAddress.of(client);
		if (ClientAddress.isInProcess(client)) {
			return InProcessChannels.forName(ClientAddress.inProcessName(address));
		}
		String target = StaticNameResolverProvider.target(address);
		return Grpc.newChannelBuilder(target, credentials(client), resolvers.apply(target));
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

	/**
	 * Applies the channel settings of a client's properties (buffers, keep-alive, idle timeout, message and metadata
	 * sizes, user agent) to its builder. Plain ifs, not {@code PropertyMapper}, whose binary shape differs between the
	 * Spring Boot versions this jar runs on.
	 * @param client the client's properties
	 * @param builder its builder
	 */
	static void applyChannelSettings(ClientProperties client, ManagedChannelBuilder<?> builder) {
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
	 * Keeps grpc-inprocess, an optional dependency, out of this class's own bytecode, so that it loads without it.
	 */
	private static final class InProcessChannels {

		static ManagedChannelBuilder<?> forName(String name) {
			return InProcessChannelBuilder.forName(name);
		}

	}

}
