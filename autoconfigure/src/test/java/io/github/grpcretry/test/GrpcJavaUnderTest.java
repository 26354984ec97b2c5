package io.github.grpcretry.test;

import java.util.Set;

import io.grpc.ManagedChannel;
import io.grpc.xds.XdsNameResolverProvider;

/**
 * The grpc-java the tests run on: 1.84.1 in the default build, the oldest the starter works with and the newest served
 * in the profiles {@code grpc-java-1.83} and {@code grpc-java-1.85}. A test whose grpc-java behaves differently on
 * some versions names them here and checks the version explicitly, rather than being skipped there.
 */
public final class GrpcJavaUnderTest {

	/**
	 * The grpc-java versions whose xds: resolver sends every retried request of a call empty (grpc-java issue 13010:
	 * they put their {@code RawMessageClientInterceptor} on every xds: call; 1.84.0 and later only with an
	 * experimental ext_proc flag), on which the starter refuses an xds: client at start-up. Written out here, not taken
	 * from the starter's rule, so that the tests hold the rule to it.
	 */
	public static final Set<String> SENDS_RETRIED_XDS_REQUESTS_EMPTY = Set.of("1.83.0", "1.83.1");

	private GrpcJavaUnderTest() {
	}

	/**
	 * The version of grpc-java on the test class path, as the manifests of grpc-api and grpc-xds say (the same).
	 * @return the version, such as {@code 1.84.1}
	 * @throws AssertionError if a manifest does not say, or the two differ
	 */
	public static String version() {
		String api = ManagedChannel.class.getPackage().getImplementationVersion();
		String xds = XdsNameResolverProvider.class.getPackage().getImplementationVersion();
		if (api == null || !api.equals(xds)) {
			throw new AssertionError("grpc-java's version is not known: grpc-api says " + api + ", grpc-xds " + xds);
		}
		return api;
	}

	/**
	 * Whether the grpc-java under test sends every retried request of an xds: call empty.
	 * @return whether it is one of {@link #SENDS_RETRIED_XDS_REQUESTS_EMPTY}
	 */
	public static boolean sendsRetriedXdsRequestsEmpty() {
		return SENDS_RETRIED_XDS_REQUESTS_EMPTY.contains(version());
	}

}
