package io.github.grpcretry.internal.channel;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

import io.github.grpcretry.properties.ClientProperties;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * What a client's address says about its channel, read in one place: an {@code in-process:} address (a direct
 * address, without a name resolver or a load-balancing policy), an {@code xds:} target (whose resolver supplies the
 * whole service config), or a target grpc-java resolves.
 */
public final class ClientAddress {

	private static final String IN_PROCESS_PREFIX = "in-process:";

	/** The scheme of grpc-java's xDS name resolver. */
	public static final String XDS_SCHEME = "xds";

	private static final boolean IN_PROCESS_PRESENT = ClassUtils.isPresent("io.grpc.inprocess.InProcessChannelBuilder",
			ClientAddress.class.getClassLoader());

	private ClientAddress() {
	}

	/**
	 * A client's address.
	 * @param client the client's properties, validated
	 * @return its address: every client here has one, since validation fails start-up, and refuses a refresh, for a
	 * client without it
	 */
	public static String of(ClientProperties client) {
		return Objects.requireNonNull(client.address(), "a gRPC client's address, which validation requires");
	}

	/**
	 * Whether a client's address is an in-process one, which grpc-java builds without a name resolver and for which it
	 * forbids a load-balancing policy.
	 * @param client the client's properties, validated
	 * @return whether its address starts with {@code in-process:} (and grpc-inprocess is on the class path)
	 */
	public static boolean isInProcess(ClientProperties client) {
		return IN_PROCESS_PRESENT && of(client).startsWith(IN_PROCESS_PREFIX);
	}

	/**
	 * The name of an in-process server that an address names.
	 * @param address an in-process address
	 * @return what follows {@code in-process:}
	 */
	static String inProcessName(String address) {
		return address.substring(IN_PROCESS_PREFIX.length());
	}

	/**
	 * Whether a target is an xds: one, such as {@code xds:///echo} or {@code xds://authority/echo}, whose resolver
	 * supplies the channel's service config itself (the control plane's routes), which a client's configured one
	 * must never replace.
	 * @param target a target, or a client's address
	 * @return whether its scheme is {@code xds}, in any case, as grpc-java's registry reads schemes
	 */
	public static boolean isXds(@Nullable String target) {
		String scheme = (target != null) ? scheme(target) : null;
		return scheme != null && scheme.toLowerCase(Locale.ROOT).equals(XDS_SCHEME);
	}

	/**
	 * The scheme of a target.
	 * @param target a target
	 * @return its scheme, or {@code null} for an authority such as {@code 127.0.0.1:50051}, before which grpc-java
	 * puts the default scheme
	 */
	static @Nullable String scheme(String target) {
		try {
			return new URI(target).getScheme();
		}
		catch (URISyntaxException ex) {
			return null;
		}
	}

}
