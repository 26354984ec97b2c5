package io.github.grpcretry.channel;

import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * The name resolver provider of one channel: it resolves the channel's target with the target's own resolver (dns,
 * {@code static}, unix, any registered scheme) and puts a {@link LiveServiceConfig}'s config into each of its
 * results, so that the channel takes a changed config the way grpc-java takes one, from its name resolver, without a
 * new channel. The channel's authority, and so the TLS host name check, stays the target resolver's own.
 *
 * <p>It is the one provider of the channel's own registry ({@link #registryFor}, for
 * {@code Grpc.newChannelBuilder(target, credentials, registry)}), under the scheme grpc-java would pick for the
 * target from the default registry: the target's own when a provider is registered for it, else the registry's
 * default scheme, which grpc-java puts before an authority such as {@code localhost:50051}.
 *
 * <p>With {@code preferResolverConfig}, as for {@code service-config-lookup: true}, a config that the target's own
 * resolver publishes wins, and the live config serves when it publishes none. An {@code xds:} target's resolver
 * is not wrapped: the control plane supplies the channel's whole service config.
 */
public final class LiveServiceConfigResolverProvider extends NameResolverProvider {

	private static final String XDS_SCHEME = "xds";

	private final NameResolverProvider target;

	private final LiveServiceConfig serviceConfig;

	private final boolean preferResolverConfig;

	private final LiveServiceConfig.Version builtWith;

	private LiveServiceConfigResolverProvider(NameResolverProvider target, LiveServiceConfig serviceConfig,
			LiveServiceConfig.Version builtWith, boolean preferResolverConfig) {
		this.target = target;
		this.serviceConfig = serviceConfig;
		this.builtWith = builtWith;
		this.preferResolverConfig = preferResolverConfig;
	}

	/**
	 * The name resolver registry of one channel, which resolves its target as the default registry would, with the
	 * live config in every result.
	 * @param target the target as handed to {@code Grpc.newChannelBuilder}
	 * @param serviceConfig the config to publish
	 * @param builtWith the version of it the channel's builder has as its {@code defaultServiceConfig} (none when
	 * that config is empty), which serves until the config changes
	 * @param preferResolverConfig whether a config of the target's own resolver wins
	 * @return the registry, for {@code Grpc.newChannelBuilder(target, credentials, registry)}
	 * @throws IllegalArgumentException if no registered provider resolves the target
	 */
	static NameResolverRegistry registryFor(String target, LiveServiceConfig serviceConfig,
			LiveServiceConfig.Version builtWith, boolean preferResolverConfig) {
		NameResolverRegistry registry = new NameResolverRegistry();
		registry.register(forTarget(target, serviceConfig, builtWith, preferResolverConfig));
		return registry;
	}

	private static LiveServiceConfigResolverProvider forTarget(String target, LiveServiceConfig serviceConfig,
			LiveServiceConfig.Version builtWith, boolean preferResolverConfig) {
		NameResolverRegistry registry = NameResolverRegistry.getDefaultRegistry();
		NameResolverProvider provider = null;
		String scheme = scheme(target);
		if (scheme != null) {
			provider = registry.getProviderForScheme(scheme);
		}
		if (provider == null) {
			provider = registry.getProviderForScheme(registry.getDefaultScheme());
		}
		if (provider == null) {
			throw new IllegalArgumentException("No name resolver is registered for " + TargetCredentials.masked(target));
		}
		return new LiveServiceConfigResolverProvider(provider, serviceConfig, builtWith, preferResolverConfig);
	}

	private static @Nullable String scheme(String target) {
		try {
			return new URI(target).getScheme();
		}
		catch (URISyntaxException ex) {
			// An authority such as 127.0.0.1:50051: grpc-java puts the default scheme before it.
			return null;
		}
	}

	@Override
	protected boolean isAvailable() {
		return true;
	}

	@Override
	protected int priority() {
		return 5;
	}

	@Override
	public String getDefaultScheme() {
		return this.target.getDefaultScheme();
	}

	@Override
	public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
		return this.target.getProducedSocketAddressTypes();
	}

	@Override
	public @Nullable NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
		NameResolver resolver = this.target.newNameResolver(targetUri, args);
		// An xds: target's resolver supplies the channel's whole service config from the control plane (its routing,
		// its config selector, no addresses): every result passes through unchanged, or the channel has no route.
		if (resolver == null || XDS_SCHEME.equalsIgnoreCase(targetUri.getScheme())) {
			return resolver;
		}
		return new LiveServiceConfigResolver(resolver, args);
	}

	/**
	 * The target's resolver, each of whose results carries the live config, and which publishes its last result
	 * again, with the new config, when the config changes.
	 */
	private final class LiveServiceConfigResolver extends NameResolver {

		private final NameResolver delegate;

		private final NameResolver.Args args;

		private final Runnable publisher = this::publishAgain;

		// Read and written in the channel's synchronization context only.
		private @Nullable Listener2 listener;

		private @Nullable ResolutionResult lastResult;

		LiveServiceConfigResolver(NameResolver delegate, NameResolver.Args args) {
			this.delegate = delegate;
			this.args = args;
		}

		@Override
		public String getServiceAuthority() {
			return this.delegate.getServiceAuthority();
		}

		@Override
		public void start(Listener2 listener) {
			this.listener = listener;
			LiveServiceConfigResolverProvider.this.serviceConfig.started(this.publisher);
			this.delegate.start(new Listener2() {

				@Override
				public void onResult(ResolutionResult result) {
					onResult2(result);
				}

				@Override
				public Status onResult2(ResolutionResult result) {
					LiveServiceConfigResolver.this.lastResult = result;
					return handOver(listener, result);
				}

				@Override
				public void onError(Status error) {
					listener.onError(error);
				}

			});
		}

		@Override
		public void refresh() {
			this.delegate.refresh();
		}

		@Override
		public void shutdown() {
			LiveServiceConfigResolverProvider.this.serviceConfig.stopped(this.publisher);
			this.listener = null;
			this.delegate.shutdown();
		}

		// Any thread: the new result is handed to grpc-java in the channel's synchronization context, as a resolver's
		// results must be.
		private void publishAgain() {
			this.args.getSynchronizationContext().execute(() -> {
				Listener2 listener = this.listener;
				ResolutionResult result = this.lastResult;
				if (listener != null && result != null) {
					handOver(listener, result);
				}
			});
		}

		// In the synchronization context: hands grpc-java the result with the live config, then notes which version
		// the channel now holds.
		private Status handOver(Listener2 listener, ResolutionResult result) {
			LiveServiceConfig live = LiveServiceConfigResolverProvider.this.serviceConfig;
			LiveServiceConfig.Version version = live.current();
			ResolutionResult handed = result;
			if (!LiveServiceConfigResolverProvider.this.preferResolverConfig || version.forced()
					|| result.getServiceConfig() == null) {
				// The config the channel was built with is grpc-java's own default service config, which serves when
				// a result has none: handing a parse of it instead would be a new throttle for the calls after the
				// first result, while the calls waiting for that result take the default's.
				ConfigOrError config = (version == LiveServiceConfigResolverProvider.this.builtWith) ? null
						: this.args.getServiceConfigParser().parseServiceConfig(version.serviceConfig());
				handed = result.toBuilder().setServiceConfig(config).build();
			}
			Status status = listener.onResult2(handed);
			live.published(version);
			return status;
		}

	}

}
