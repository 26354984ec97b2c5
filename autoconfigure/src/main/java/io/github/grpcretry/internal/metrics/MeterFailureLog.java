package io.github.grpcretry.internal.metrics;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where a client's meters report that they failed: a meter, a {@code MeterFilter} or the registry threw. The first
 * failure is logged, as a warning with its exception; the later ones are not, since one broken meter would otherwise
 * log on every call. The call itself goes on either way.
 */
final class MeterFailureLog {

	// Named after the public class, which is what a user looks for in the log configuration.
	private static final System.Logger logger = System.getLogger(AttemptMetricsInterceptor.class.getName());

	private final String client;

	private final AtomicBoolean logged = new AtomicBoolean();

	MeterFailureLog(String client) {
		this.client = client;
	}

	void failed(RuntimeException ex) {
		if (!this.logged.get() && this.logged.compareAndSet(false, true)) {
			logger.log(Level.WARNING, () -> "Attempt metrics of gRPC client '" + this.client
					+ "' failed to record; its calls go on unaffected, uncounted by the failing meter. "
					+ "Later failures of this client are not logged.", ex);
		}
	}

}
