package io.github.grpcretry.test;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.StatusOr;

/**
 * Resolves {@code service-config-test://127.0.0.1:PORT} to that address and publishes a service config that
 * retries every {@code echo.Echo} call on {@code UNAVAILABLE}, as DNS TXT records or xDS could.
 */
public final class ServiceConfigPublishingResolver extends NameResolverProvider {

	/** The scheme it resolves. */
	public static final String SCHEME = "service-config-test";

	/** The attempts of the retry policy it publishes. */
	public static final int MAX_ATTEMPTS = 3;

	static {
		NameResolverRegistry.getDefaultRegistry().register(new ServiceConfigPublishingResolver());
	}

	private ServiceConfigPublishingResolver() {
	}

	/**
	 * The target that resolves to a server, registering the resolver first.
	 * @param server the server
	 * @return {@code service-config-test://host:port}
	 */
	public static String target(EchoTestServer server) {
		return SCHEME + "://" + server.address();
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
	public NameResolver newNameResolver(URI target, NameResolver.Args args) {
		if (!SCHEME.equals(target.getScheme())) {
			return null;
		}
		Map<String, ?> serviceConfig = Map.of("methodConfig",
				List.of(Map.of("name", List.of(Map.of("service", "echo.Echo")), "retryPolicy",
						Map.of("maxAttempts", (double) MAX_ATTEMPTS, "initialBackoff", "0.01s", "maxBackoff",
								"0.01s", "backoffMultiplier", 1.0, "retryableStatusCodes",
								List.of("UNAVAILABLE")))));
		return new NameResolver() {

			@Override
			public String getServiceAuthority() {
				return target.getAuthority();
			}

			@Override
			public void start(Listener2 listener) {
				InetSocketAddress address = new InetSocketAddress(target.getHost(), target.getPort());
				listener.onResult(ResolutionResult.newBuilder()
					.setAddressesOrError(StatusOr.fromValue(List.of(new EquivalentAddressGroup(address))))
					.setServiceConfig(args.getServiceConfigParser().parseServiceConfig(serviceConfig))
					.build());
			}

			@Override
			public void shutdown() {
			}

		};
	}

}
