package io.github.grpcretry.channel;

import java.util.Locale;

/**
 * Told of each change to a client's service config while the application runs, and of its result: what the
 * {@code grpc.client.service_config.changes} counter counts.
 */
@FunctionalInterface
public interface ServiceConfigChangeListener {

	/**
	 * A change to a client's service config was applied, is pending, was refused or left for a restart.
	 * @param clientName the client's name
	 * @param source where the change came from
	 * @param result what became of it
	 */
	void changed(String clientName, Source source, Result result);

	/**
	 * Where a client's service config in effect came from.
	 */
	public enum Source {

		/** The application's configuration at start-up. */
		CONFIGURATION,

		/** A refresh of the configuration while the application runs. */
		REFRESH,

		/** The {@code grpcclients} endpoint's incident switch. */
		ENDPOINT,

		/** The target's own name resolver (xDS; DNS with {@code service-config-lookup: true}). */
		RESOLVER;

		/**
		 * The name operations tools show.
		 * @return the name, in lower case
		 */
		public String value() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

	/**
	 * What became of a change.
	 */
	enum Result {

		/** The running channel took it: grpc-java accepted a result of its name resolver carrying it. */
		APPLIED,

		/**
		 * Handed to the running channel, which has not taken it yet: its name resolver has had no good result since
		 * (an error, no addresses, or an idle channel). It is taken with the next one, and counted as applied then.
		 */
		PENDING,

		/** It failed validation and was refused whole; the running config stays. */
		REFUSED,

		/** It changes a setting a running channel cannot take: nothing of it was applied. */
		RESTART_REQUIRED;

		/**
		 * The value of the counter's {@code result} tag.
		 * @return the value, in lower case
		 */
		public String value() {
			return name().toLowerCase(java.util.Locale.ROOT);
		}

	}

}
