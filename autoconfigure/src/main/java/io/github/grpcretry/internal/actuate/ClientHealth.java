package io.github.grpcretry.internal.actuate;

import io.grpc.ConnectivityState;
import org.jspecify.annotations.Nullable;

/**
 * The health of one client, by its channel's connectivity, named as Spring Boot's health statuses are on every line.
 */
public enum ClientHealth {

	/** Idle, connecting or ready: a call can be made, or a connection will be tried for it. */
	UP,

	/** {@code TRANSIENT_FAILURE}: the channel could not connect, and calls fail until it does. */
	DOWN,

	/** {@code SHUTDOWN}: the application is closing the channel. */
	OUT_OF_SERVICE,

	/** No channel built yet (a lazily initialized bean never injected). */
	UNKNOWN;

	/**
	 * The health of a channel in a connectivity state.
	 * @param state the state, read without connecting; {@code null} when no channel was built
	 * @return the health
	 */
	public static ClientHealth of(@Nullable ConnectivityState state) {
		if (state == null) {
			return UNKNOWN;
		}
		return switch (state) {
			case TRANSIENT_FAILURE -> DOWN;
			case SHUTDOWN -> OUT_OF_SERVICE;
			case IDLE, CONNECTING, READY -> UP;
		};
	}

}
