package io.github.grpcretry.internal.metrics;

import io.grpc.Status;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * The {@code grpc.client.attempt} observations of one observed call: one per attempt after the first (retry, hedge,
 * transparent retry), a child of the call's observation, started when the attempt is made and stopped when it ends,
 * so that a trace shows each attempt and the wait before it.
 *
 * <p>The parent is set explicitly, never taken from the scope of the thread that happens to make the attempt:
 * hedges run concurrently, and retries start on whichever thread ran their backoff.
 */
final class AttemptObservations {

	/** The name of each attempt's observation. */
	static final String NAME = "grpc.client.attempt";

	/** Low cardinality: {@code retry}, {@code hedge} or {@code transparent_retry}, as the {@code kind} tag. */
	static final String KIND = "grpc.attempt.kind";

	/** Low cardinality: the attempt's status code name, as Micrometer's gRPC observations name theirs. */
	static final String STATUS_CODE = "grpc.status_code";

	/** High cardinality: the attempt's {@code grpc-previous-rpc-attempts}, the attempts before it. */
	static final String PREVIOUS_ATTEMPTS = "grpc.previous_rpc_attempts";

	private final ObservationRegistry registry;

	private final Observation call;

	AttemptObservations(ObservationRegistry registry, Observation call) {
		this.registry = registry;
		this.call = call;
	}

	/**
	 * Starts the observation of an attempt that was just made.
	 * @param kind the attempt's kind, never {@link AttemptKind#INITIAL}
	 * @param previousAttempts the attempts of the call before this one, as grpc-java counts them
	 * @return the started observation
	 */
	Observation start(AttemptKind kind, int previousAttempts) {
		return Observation.createNotStarted(NAME, this.registry)
			.parentObservation(this.call)
			.lowCardinalityKeyValue(KIND, kind.tagValue())
			.highCardinalityKeyValue(PREVIOUS_ATTEMPTS, Integer.toString(previousAttempts))
			.start();
	}

	/**
	 * Stops the observation of an attempt that ended.
	 * @param observation the attempt's observation
	 * @param status how the attempt ended
	 */
	static void stop(Observation observation, Status status) {
		observation.lowCardinalityKeyValue(STATUS_CODE, status.getCode().name());
		// As Micrometer's gRPC call observation does: a status is no error, a failure with a cause is.
		if (status.getCause() != null && status.getCode() != Status.Code.OK
				&& status.getCode() != Status.Code.CANCELLED) {
			observation.error(status.getCause());
		}
		observation.stop();
	}

}
