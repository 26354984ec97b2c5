package io.github.grpcretry.internal.serviceconfig;

import java.util.Collection;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * Which known gRPC name a written one most likely meant: a service name ({@code echo.Echo}) or a full method name
 * ({@code echo.Echo/UnaryEcho}), each compared with names of its own kind. A name is close to a known one when it is
 * equal ignoring case, or names the same service in another package ({@code Echo}, {@code foo.Echo}, or with a case
 * slip {@code echo}, for {@code echo.Echo}, and that service's method of the same name), or is a small edit away
 * (at most 2 characters, and at most a third of the longer name, ignoring case). Pure and cheap, for start-up checks
 * and run-time warnings.
 */
public final class CloseNames {

	// The three kinds of closeness, best first; an edit's rank adds its distance.
	private static final int SAME_IGNORING_CASE = 0;

	private static final int OTHER_PACKAGE = 1;

	private static final int OTHER_PACKAGE_IGNORING_CASE = 2;

	private static final int EDIT = 3;

	private static final int LARGEST_EDIT = 2;

	private CloseNames() {
	}

	/**
	 * The known name the written one most likely meant.
	 * @param written the name as written, a service name or a full method name
	 * @param known the names that exist, of either kind
	 * @return the closest known name of the written one's kind, the first in natural order among equally close
	 * ones; {@code null} when the written name is known as written or no known name is close
	 */
	public static @Nullable String closest(String written, Collection<String> known) {
		if (known.contains(written)) {
			return null;
		}
		boolean method = written.indexOf('/') >= 0;
		String best = null;
		int bestRank = Integer.MAX_VALUE;
		for (String candidate : known) {
			if ((candidate.indexOf('/') >= 0) != method) {
				continue;
			}
			int rank = rank(written, candidate);
			if (rank < bestRank || (rank == bestRank && best != null && candidate.compareTo(best) < 0)) {
				best = candidate;
				bestRank = rank;
			}
		}
		return (bestRank != Integer.MAX_VALUE) ? best : null;
	}

	// How close a candidate is, lower is closer, or Integer.MAX_VALUE when it is not close at all.
	private static int rank(String written, String candidate) {
		if (written.equalsIgnoreCase(candidate)) {
			return SAME_IGNORING_CASE;
		}
		if (otherPackage(written, candidate, false)) {
			return OTHER_PACKAGE;
		}
		if (otherPackage(written, candidate, true)) {
			return OTHER_PACKAGE_IGNORING_CASE;
		}
		int longer = Math.max(written.length(), candidate.length());
		int limit = Math.min(LARGEST_EDIT, longer / 3);
		int distance = distance(written.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT), limit);
		return (distance <= limit) ? EDIT + distance : Integer.MAX_VALUE;
	}

	// Echo, or foo.Echo, for echo.Echo; and Echo/UnaryEcho for echo.Echo/UnaryEcho.
	private static boolean otherPackage(String written, String candidate, boolean ignoringCase) {
		int writtenSlash = written.indexOf('/');
		int candidateSlash = candidate.indexOf('/');
		String writtenService = (writtenSlash >= 0) ? written.substring(0, writtenSlash) : written;
		String candidateService = (candidateSlash >= 0) ? candidate.substring(0, candidateSlash) : candidate;
		String writtenRest = simpleName(writtenService) + written.substring(writtenService.length());
		String candidateRest = simpleName(candidateService) + candidate.substring(candidateService.length());
		return ignoringCase ? writtenRest.equalsIgnoreCase(candidateRest) : writtenRest.equals(candidateRest);
	}

	private static String simpleName(String service) {
		return service.substring(service.lastIndexOf('.') + 1);
	}

	// Levenshtein distance, or limit + 1 as soon as it must exceed limit: most known names are far off.
	private static int distance(String a, String b, int limit) {
		if (Math.abs(a.length() - b.length()) > limit) {
			return limit + 1;
		}
		int[] previous = new int[b.length() + 1];
		int[] current = new int[b.length() + 1];
		for (int j = 0; j <= b.length(); j++) {
			previous[j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			current[0] = i;
			int rowLeast = current[0];
			for (int j = 1; j <= b.length(); j++) {
				int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
				current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
				rowLeast = Math.min(rowLeast, current[j]);
			}
			if (rowLeast > limit) {
				return limit + 1;
			}
			int[] swap = previous;
			previous = current;
			current = swap;
		}
		return previous[b.length()];
	}

}
