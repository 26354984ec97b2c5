package io.github.grpcretry.sample;

import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationContext;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import org.jspecify.annotations.Nullable;

/**
 * Hears why each call made no more attempts, as an application's own code would: the {@code grpc.retry_stop} key
 * that the starter writes on the call's observation before it stops ({@code docs/why-not-retried.md}). Spring Boot
 * registers every {@link ObservationHandler} bean with its {@code ObservationRegistry}.
 */
class RetryStopHandler implements ObservationHandler<GrpcClientObservationContext> {

	private static final String RETRY_STOP = "grpc.retry_stop";

	// A blocking stub's call closes on the thread that made it, so each calling thread hears its own calls.
	private final ThreadLocal<@Nullable String> lastOnThisThread = new ThreadLocal<>();

	@Override
	public boolean supportsContext(Observation.Context context) {
		return context instanceof GrpcClientObservationContext;
	}

	@Override
	public void onStop(GrpcClientObservationContext context) {
		KeyValue retryStop = context.getHighCardinalityKeyValue(RETRY_STOP);
		if (retryStop != null) {
			this.lastOnThisThread.set(retryStop.getValue());
		}
	}

	/**
	 * Why the last call this thread made stopped, forgotten once read.
	 * @return the reason, such as {@code max_attempts}, or {@code null} when that call was not observed
	 */
	@Nullable String takeLast() {
		String retryStop = this.lastOnThisThread.get();
		this.lastOnThisThread.remove();
		return retryStop;
	}

}
