package io.github.grpcretry.metrics;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The calls of one client that have started and are not recorded yet. A channel terminates once its streams have
 * closed, while a call's listener, which records the call, may still wait for an application executor; an
 * application that shuts down waits for this count, not only for its channels, before it closes its registries.
 */
final class UnrecordedCalls {

	// A LongAdder: every call changes it twice, from any thread; only shutdown reads it.
	private final LongAdder calls = new LongAdder();

	void started() {
		this.calls.increment();
	}

	void recorded() {
		this.calls.decrement();
	}

	boolean await(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (this.calls.sum() > 0) {
			if (System.nanoTime() - deadline >= 0) {
				return false;
			}
			// Polled: a signal on every recording would cost each call what only shutdown needs.
			TimeUnit.MILLISECONDS.sleep(1);
		}
		return true;
	}

}
