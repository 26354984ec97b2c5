package io.github.grpcretry.autoconfigure;

import java.time.Duration;

/**
 * Waits for the calls that the channels' metrics have not recorded yet; free of Micrometer's types, so that shutdown
 * can ask for it whether Micrometer is on the class path or not.
 */
interface UnrecordedCallsAwaiter {

	/**
	 * Waits until every call started on an instrumented channel has been recorded.
	 * @param timeout how long to wait at most, for all channels together
	 * @throws InterruptedException if the waiting thread is interrupted
	 */
	void awaitCallsRecorded(Duration timeout) throws InterruptedException;

}
