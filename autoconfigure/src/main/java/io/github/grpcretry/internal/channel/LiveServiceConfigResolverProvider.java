package io.github.grpcretry.internal.channel;

import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusOr;
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
 * resolver publishes wins, and the live config serves when it publishes none. An {@code xds:} target's resolver is
 * not wrapped: its results carry the control plane's whole service config (routes, a config selector, no addresses),
 * which no other config may replace.
 *
 * <p>On grpc-java's terms: a result the target's resolver hands over from any thread ({@code Listener2.onResult})
 * reaches the channel in its synchronization context, and a config counts as taken ({@link LiveServiceConfig}) only
 * when the channel accepted a result carrying it from a resolver it runs: one with addresses, answered with OK.
 */
public final class LiveServiceConfigResolverProvider extends NameResolverProvider {

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
		String scheme = ClientAddress.scheme(target);
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
		if (resolver == null || ClientAddress.isXds(targetUri.toString())) {
			return resolver;
		}
		return new LiveServiceConfigResolver(resolver, args);
	}

	/**
	 * The target's resolver, each of whose results carries the live config, and which publishes its last good result
	 * again, with the new config, when the config changes.
	 */
	private final class LiveServiceConfigResolver extends NameResolver {

		private final NameResolver delegate;

		private final NameResolver.Args args;

		private final Runnable publisher = this::publishAgain;

		// Read and written in the channel's synchronization context only: null once shut down.
		private @Nullable Listener2 listener;

		// The target resolver's latest word, which a change publishes again with the new config when it was a good
		// result: grpc-java ignores one with an error or no addresses, and the config with it.
		private @Nullable ResolutionResult lastResult;

		private boolean lastGood;

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

				// Any thread, as grpc-java allows: the result reaches the channel in its synchronization context.
				@Override
				public void onResult(ResolutionResult result) {
					LiveServiceConfigResolver.this.args.getSynchronizationContext().execute(() -> onResult2(result));
				}

				// In the synchronization context.
				@Override
				public Status onResult2(ResolutionResult result) {
					return handOver(result);
				}

				@Override
				public void onError(Status error) {
					LiveServiceConfigResolver.this.args.getSynchronizationContext().execute(() -> {
						Listener2 current = LiveServiceConfigResolver.this.listener;
						if (current != null) {
							LiveServiceConfigResolver.this.lastGood = false;
							current.onError(error);
						}
					});
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

		// Any thread: the last good result goes to grpc-java again, with the newest config, in the channel's
		// synchronization context, as a resolver's results must; without one, the target's resolver is asked to
		// resolve again, and its next good result carries the newest config.
		private void publishAgain() {
			this.args.getSynchronizationContext().execute(() -> {
				ResolutionResult result = this.lastResult;
				if (this.listener == null) {
					return;
				}
				if (result != null && this.lastGood) {
					handOver(result);
				}
				else {
					this.delegate.refresh();
				}
			});
		}

		// In the synchronization context: hands grpc-java the result with the newest config, and notes the version
		// taken when grpc-java accepts it.
		private Status handOver(ResolutionResult result) {
			Listener2 listener = this.listener;
			if (listener == null) {
				// Shut down: grpc-java ignores what a resolver it shut down hands it.
				return Status.OK;
			}
			LiveServiceConfigResolverProvider provider = LiveServiceConfigResolverProvider.this;
			LiveServiceConfig.Version version = provider.serviceConfig.current();
			boolean fromResolver = result.getServiceConfig() != null && provider.preferResolverConfig
					&& !version.forced();
			ResolutionResult handed = result;
			if (!fromResolver) {
				// The config the channel was built with is grpc-java's own default service config, which serves when
				// a result has none: handing a parse of it instead would be a new throttle for the calls after the
				// first result, while the calls waiting for that result take the default's.
				ConfigOrError config = (version == provider.builtWith) ? null
						: this.args.getServiceConfigParser().parseServiceConfig(version.serviceConfig());
				handed = result.toBuilder().setServiceConfig(config).build();
			}
			Status status = listener.onResult2(handed);
			this.lastResult = result;
			this.lastGood = status.isOk() && hasAddresses(result);
			if (this.lastGood) {
				provider.serviceConfig.taken(version, fromResolver);
			}
			return status;
		}

		private static boolean hasAddresses(ResolutionResult result) {
			StatusOr<List<EquivalentAddressGroup>> addresses = result.getAddressesOrError();
			return addresses.hasValue() && !addresses.getValue().isEmpty();
		}

	}

}
