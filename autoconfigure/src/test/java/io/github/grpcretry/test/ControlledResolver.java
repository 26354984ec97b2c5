package io.github.grpcretry.test;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusOr;

/**
 * A name resolver whose results a test decides, as a discovery client, a failing DNS or an idle channel would give
 * them: {@code <scheme>://127.0.0.1:PORT} resolves to that address when results flow, and a test can hand the
 * channel an error or an empty address list instead, hold results back, or hand them over from a thread of the
 * resolver's own (as {@code Listener2.onResult} allows). Each instance registers a scheme of its own in grpc-java's
 * default registry, and removes it when closed.
 */
public final class ControlledResolver extends NameResolverProvider implements AutoCloseable {

	private static final AtomicInteger schemes = new AtomicInteger();

	private final String scheme = "controlled-test-" + schemes.incrementAndGet();

	private final boolean fromOwnThread;

	private final List<Instance> instances = new CopyOnWriteArrayList<>();

	private volatile boolean holding;

	private ControlledResolver(boolean fromOwnThread) {
		this.fromOwnThread = fromOwnThread;
	}

	/**
	 * Registers a resolver whose results reach the channel through {@code onResult2}, in its synchronization context.
	 * @return the resolver
	 */
	public static ControlledResolver register() {
		return register(false);
	}

	/**
	 * Registers a resolver.
	 * @param fromOwnThread whether each result is handed over through {@code onResult}, from a new thread
	 * @return the resolver
	 */
	public static ControlledResolver register(boolean fromOwnThread) {
		ControlledResolver resolver = new ControlledResolver(fromOwnThread);
		NameResolverRegistry.getDefaultRegistry().register(resolver);
		return resolver;
	}

	/**
	 * The target that resolves to a server.
	 * @param server the server
	 * @return {@code <scheme>://host:port}
	 */
	public String target(EchoTestServer server) {
		return this.scheme + "://" + server.address();
	}

	/**
	 * Holds results back: starting and refreshing a resolver hand nothing over until {@link #release()}.
	 */
	public void hold() {
		this.holding = true;
	}

	/**
	 * Lets results flow again; nothing held is handed over by this alone.
	 */
	public void release() {
		this.holding = false;
	}

	/**
	 * Every resolver the channel has started, the first first.
	 * @return the resolvers
	 */
	public List<Instance> instances() {
		return this.instances;
	}

	/**
	 * The resolver the channel started last.
	 * @return the resolver
	 */
	public Instance latest() {
		return this.instances.get(this.instances.size() - 1);
	}

	@Override
	public void close() {
		NameResolverRegistry.getDefaultRegistry().deregister(this);
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
		return this.scheme;
	}

	@Override
	public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
		return Set.of(InetSocketAddress.class);
	}

	@Override
	public NameResolver newNameResolver(URI target, NameResolver.Args args) {
		if (!this.scheme.equals(target.getScheme())) {
			return null;
		}
		return new Instance(target, args);
	}

	/**
	 * One resolver the channel started.
	 */
	public final class Instance extends NameResolver {

		private final URI target;

		private final NameResolver.Args args;

		private final AtomicInteger refreshes = new AtomicInteger();

		private volatile Listener2 listener;

		private volatile boolean shutdown;

		Instance(URI target, NameResolver.Args args) {
			this.target = target;
			this.args = args;
		}

		@Override
		public String getServiceAuthority() {
			return this.target.getAuthority();
		}

		@Override
		public void start(Listener2 listener) {
			this.listener = listener;
			ControlledResolver.this.instances.add(this);
			if (!ControlledResolver.this.holding) {
				resolve();
			}
		}

		@Override
		public void refresh() {
			this.refreshes.incrementAndGet();
			if (!ControlledResolver.this.holding) {
				resolve();
			}
		}

		@Override
		public void shutdown() {
			this.shutdown = true;
		}

		/**
		 * How often the channel asked this resolver to resolve again.
		 * @return the count
		 */
		public int refreshes() {
			return this.refreshes.get();
		}

		/**
		 * Whether the channel shut this resolver down.
		 * @return whether it did
		 */
		public boolean isShutdown() {
			return this.shutdown;
		}

		/**
		 * Hands the channel the target's address, even once shut down, as a late answer would.
		 */
		public void resolve() {
			InetSocketAddress address = new InetSocketAddress(this.target.getHost(), this.target.getPort());
			hand(StatusOr.fromValue(List.of(new EquivalentAddressGroup(address))));
		}

		/**
		 * Hands the channel an error, as a failing DNS lookup would.
		 */
		public void fail() {
			hand(StatusOr.fromStatus(Status.UNAVAILABLE.withDescription("no such host (test)")));
		}

		/**
		 * Hands the channel no address at all.
		 */
		public void resolveToNothing() {
			hand(StatusOr.fromValue(List.of()));
		}

		private void hand(StatusOr<List<EquivalentAddressGroup>> addresses) {
			ResolutionResult result = ResolutionResult.newBuilder().setAddressesOrError(addresses).build();
			Listener2 listener = this.listener;
			if (ControlledResolver.this.fromOwnThread) {
				Thread thread = new Thread(() -> listener.onResult(result), "controlled-resolver");
				thread.start();
			}
			else {
				this.args.getSynchronizationContext().execute(() -> listener.onResult2(result));
			}
		}

	}

}
