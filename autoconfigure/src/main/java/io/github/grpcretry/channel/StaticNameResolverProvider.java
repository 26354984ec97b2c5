package io.github.grpcretry.channel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

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

	/**
	 * The target to hand grpc-java for a client's address: {@code static://h1:p1,h2:p2} becomes
	 * {@code static:///h1:p1,h2:p2}, since grpc-java parses targets as RFC 3986 URIs, whose authority holds a single
	 * host and port. Any other address is returned unchanged.
	 * @param address the address as configured
	 * @return the target for {@code Grpc.newChannelBuilder}
	 */
	public static String target(String address) {
		String prefix = SCHEME + "://";
		if (!address.startsWith(prefix) || address.startsWith(prefix + "/")) {
			return address;
		}
		String backends = Arrays.stream(address.substring(prefix.length()).split(","))
			.map(String::trim)
			.collect(Collectors.joining(","));
		// Brackets of IPv6 literals are not allowed in a URI path unless percent-encoded.
		return prefix + "/" + backends.replace("[", "%5B").replace("]", "%5D");
	}

	@Override
	public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
		if (!SCHEME.equals(targetUri.getScheme())) {
			return null;
		}
		String backends = (targetUri.getAuthority() != null) ? targetUri.getAuthority()
				: (targetUri.getPath() != null && targetUri.getPath().length() > 1) ? targetUri.getPath().substring(1)
						: null;
		return (backends != null) ? new StaticNameResolver(backends) : null;
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
