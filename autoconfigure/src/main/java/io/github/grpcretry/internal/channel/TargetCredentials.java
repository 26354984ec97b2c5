package io.github.grpcretry.internal.channel;

/**
 * A gRPC target as it may be shown to a person (endpoint, health details, tags, logs, failure reports): the user-info
 * of the target, the part before {@code @} that may hold a user and a password or a token, replaced by
 * {@value #MASK}, so that {@code dns://admin:s3cret@10.0.0.1:53/backend:443} shows as
 * {@code dns://****@10.0.0.1:53/backend:443}. An operator still sees that credentials are configured and where the
 * target points, never the credentials, not even their length.
 * <p>
 * The user-info is looked for where grpc-java would read an authority: in {@code scheme://authority/...}; in the first
 * path segment of {@code scheme:///name} (grpc-java's DNS resolver reads that name as an authority); in a target that is
 * no hierarchical URI ({@code user:pw@host:port}, which grpc-java reads as {@code dns:///user:pw@host:port}), up to
 * its first {@code /}; and in each backend of {@code static://h1:p1,h2:p2}. Nothing is parsed as a URI, so a
 * malformed target is masked the same way, and a target without user-info is returned unchanged.
 */
public final class TargetCredentials {

	/** What stands for the user-info of a target. */
	public static final String MASK = "****";

	private static final String STATIC_SCHEME = StaticNameResolverProvider.SCHEME + ":";

	private TargetCredentials() {
	}

	/**
	 * The target with its user-info masked.
	 * @param target a gRPC target, as configured or as asked for
	 * @return the target with every user-info replaced by {@value #MASK}; the target itself when it holds none
	 */
	public static String masked(String target) {
		if (target.indexOf('@') < 0) {
			return target;
		}
		int start = nameStart(target);
		int end = nameEnd(target, start);
		String name = target.substring(start, end);
		String maskedName = target.startsWith(STATIC_SCHEME) ? maskedBackends(name) : maskedUserInfo(name);
		return maskedName.equals(name) ? target : target.substring(0, start) + maskedName + target.substring(end);
	}

	private static String maskedBackends(String backends) {
		StringBuilder masked = new StringBuilder(backends.length());
		for (String backend : backends.split(",", -1)) {
			if (!masked.isEmpty()) {
				masked.append(',');
			}
			masked.append(maskedUserInfo(backend));
		}
		return masked.toString();
	}

	private static String maskedUserInfo(String authority) {
		// The last '@': a password may hold an '@' its writer did not percent-encode.
		int at = authority.lastIndexOf('@');
		// Nothing before the '@' is no credential: nothing to hide.
		if (at <= 0 || authority.substring(0, at).isBlank()) {
			return authority;
		}
		int leading = 0;
		while (Character.isWhitespace(authority.charAt(leading))) {
			leading++;
		}
		return authority.substring(0, leading) + MASK + authority.substring(at);
	}

	private static int nameStart(String target) {
		int slash = target.indexOf('/');
		// An authority follows the first "//", unless what comes before it is no scheme but user-info itself.
		if (slash < 0 || !target.startsWith("//", slash) || target.lastIndexOf('@', slash) >= 0) {
			// host:port, user:pw@host:port or an opaque URI: grpc-java reads it as dns:///<target>.
			return 0;
		}
		int authority = slash + 2;
		// scheme:///name: no authority, and the name is where the DNS resolver finds one.
		return (authority < target.length() && target.charAt(authority) == '/') ? authority + 1 : authority;
	}

	private static int nameEnd(String target, int start) {
		for (int i = start; i < target.length(); i++) {
			char c = target.charAt(i);
			if (c == '/' || c == '?' || c == '#') {
				return i;
			}
		}
		return target.length();
	}

}
