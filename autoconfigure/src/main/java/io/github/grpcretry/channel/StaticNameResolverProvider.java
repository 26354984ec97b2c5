package io.github.grpcretry.channel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.grpc.StatusOr;

/**
 * Resolves {@code static://host1:port1,host2:port2} to a fixed set of backends, one address group each, so that a
 * load-balancing policy such as {@code round_robin} spreads calls, and their retries, over all of them.
 */
public final class StaticNameResolverProvider extends NameResolverProvider {

	/** The URI scheme this provider resolves. */
	public static final String SCHEME = "static";

	/**
	 * The target to build a channel for, from the backends of a {@code static://h1:p1,h2:p2} address. grpc-java
	 * parses targets as RFC 3986 URIs, where {@code h1:p1,h2:p2} is no valid authority, so the backends go into the
	 * path: {@code static:///h1:p1,h2:p2}.
	 * @param backends the backends, such as {@code h1:p1,h2:p2}
	 * @return the target
	 */
	public static String target(String backends) {
		try {
			return new URI(SCHEME, "", "/" + backends, null).toString();
		}
		catch (URISyntaxException ex) {
			throw new IllegalArgumentException("Cannot make a target of the backends '" + backends + "'", ex);
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
		return SCHEME;
	}

	@Override
	public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
		return Set.of(InetSocketAddress.class);
	}

	@Override
	public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
		if (!SCHEME.equals(targetUri.getScheme())) {
			return null;
		}
		if (targetUri.getAuthority() != null) {
			return new StaticNameResolver(targetUri.getAuthority());
		}
		String path = targetUri.getPath();
		return (path != null && path.length() > 1) ? new StaticNameResolver(path.substring(1)) : null;
	}

	private static final class StaticNameResolver extends NameResolver {

		private final String backends;

		StaticNameResolver(String backends) {
			this.backends = backends;
		}

		@Override
		public String getServiceAuthority() {
			return this.backends.split(",", 2)[0].trim();
		}

		@Override
		public void start(Listener2 listener) {
			List<EquivalentAddressGroup> groups = new ArrayList<>();
			for (String backend : this.backends.split(",")) {
				String hostAndPort = backend.trim();
				int colon = hostAndPort.lastIndexOf(':');
				String host = hostAndPort.substring(0, colon).replace("[", "").replace("]", "");
				int port = Integer.parseInt(hostAndPort.substring(colon + 1));
				InetSocketAddress address = new InetSocketAddress(host, port);
				if (address.isUnresolved()) {
					listener.onError(Status.UNAVAILABLE.withDescription("Cannot resolve backend " + hostAndPort));
					return;
				}
				groups.add(new EquivalentAddressGroup(address));
			}
			listener.onResult2(ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromValue(groups)).build());
		}

		@Override
		public void shutdown() {
		}

	}

}
