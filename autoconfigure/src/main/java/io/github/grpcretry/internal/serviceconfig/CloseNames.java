package io.github.grpcretry.internal.serviceconfig;

import java.util.Collection;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * Which known gRPC name a written one most likely meant (placeholder until the start-up check lands).
 */
public final class CloseNames {

	private CloseNames() {
	}

	/**
	 * The known name the written one most likely meant.
	 * @param written a service name or full method name, as written
	 * @param known the names it may have meant, of the same kind
	 * @return the closest, or {@code null} when none is close
	 */
	public static @Nullable String closest(String written, Collection<String> known) {
		for (String name : known) {
			if (!name.equals(written) && (name.equalsIgnoreCase(written)
					|| lastSegment(name).equals(lastSegment(written)))) {
				return name;
			}
		}
		return null;
	}

	private static String lastSegment(String name) {
		int slash = name.indexOf('/');
		String service = (slash >= 0) ? name.substring(0, slash) : name;
		String method = (slash >= 0) ? name.substring(slash) : "";
		return service.substring(service.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) + method;
	}

}
