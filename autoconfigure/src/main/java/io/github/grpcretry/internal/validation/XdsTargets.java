package io.github.grpcretry.internal.validation;

import java.util.Set;

import io.github.grpcretry.internal.channel.ClientAddress;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import org.jspecify.annotations.Nullable;

/**
 * What grpc-java does with an {@code xds:} target: its resolver takes the whole service config from the xDS control
 * plane, and on grpc-java 1.83.0 and 1.83.1 every retried request of such a call is sent empty (grpc-java issue
 * 13010: the xds: resolver's {@code RawMessageClientInterceptor} hands retries a request stream the first attempt
 * has drained; fixed in 1.84.1).
 */
final class XdsTargets {

	/** The grpc-java versions that send every retried request of an xds: call empty. */
	static final Set<String> EMPTY_RETRIES_VERSIONS = Set.of("1.83.0", "1.83.1");

	private XdsTargets() {
	}

	/**
	 * Whether a grpc-java version sends every retried request of an xds: call empty (grpc-java issue 13010).
	 * @param version the version, such as {@code 1.84.1}, or {@code null} when not known
	 * @return whether it is 1.83.0 or 1.83.1
	 */
	static boolean sendsRetriedRequestsEmpty(@Nullable String version) {
		return version != null && EMPTY_RETRIES_VERSIONS.contains(version.trim());
	}

	/**
	 * The version of the grpc-java that resolves xds: targets in this application, as its jar's manifest says: the
	 * one of the jar that holds the registered xds: resolver (grpc-xds), where the bug is, else grpc-api's.
	 * @return the version, such as {@code 1.84.1}, or {@code null} when no manifest says (a shaded jar)
	 */
	static @Nullable String runningGrpcJavaVersion() {
		NameResolverProvider resolver = NameResolverRegistry.getDefaultRegistry().getProviderForScheme(ClientAddress.XDS_SCHEME);
		String version = (resolver != null) ? implementationVersion(resolver.getClass()) : null;
		return (version != null) ? version : implementationVersion(ManagedChannel.class);
	}

	private static @Nullable String implementationVersion(Class<?> type) {
		Package typePackage = type.getPackage();
		return (typePackage != null) ? typePackage.getImplementationVersion() : null;
	}

}
