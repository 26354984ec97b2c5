package io.github.grpcretry.internal.channel;

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
import org.jspecify.annotations.Nullable;

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

	/**
	 * Reads one backend of a {@code static://} address: the one definition of a backend that start-up validation
	 * and name resolution share.
	 * @param backend {@code host:port}, an IPv6 host in brackets
	 * @return the backend, not resolved yet
	 * @throws IllegalArgumentException if it is no {@code host:port} with a port from 1 to 65535, or holds
	 * user-info ({@code user:pw@host:port}), which no backend can resolve with and which grpc-java would log
	 */
	public static InetSocketAddress backend(String backend) {
		String hostAndPort = backend.trim();
		if (hostAndPort.indexOf('@') >= 0) {
			throw new IllegalArgumentException("'" + TargetCredentials.masked(hostAndPort)
					+ "' holds user-info, which a static backend cannot use and grpc-java would log with the target");
		}
		int colon = hostAndPort.lastIndexOf(':');
		int port = (colon > 0) ? port(hostAndPort.substring(colon + 1)) : -1;
		if (port < 1 || port > 65535) {
			throw new IllegalArgumentException("'" + hostAndPort + "' is not a host:port backend");
		}
		return InetSocketAddress.createUnresolved(hostAndPort.substring(0, colon).replace("[", "").replace("]", ""),
				port);
	}

	private static int port(String port) {
		try {
			return Integer.parseInt(port);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	@Override
	public @Nullable NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
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
				InetSocketAddress unresolved = backend(backend);
				InetSocketAddress address = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
				if (address.isUnresolved()) {
					listener.onError(Status.UNAVAILABLE.withDescription("Cannot resolve backend " + backend.trim()));
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
