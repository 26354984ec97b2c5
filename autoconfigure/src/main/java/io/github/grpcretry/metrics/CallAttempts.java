package io.github.grpcretry.metrics;

import java.util.concurrent.TimeUnit;

import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.Status;
import io.micrometer.core.instrument.Clock;

/**
 * Follows the attempts of one call: grpc-java asks it for a tracer per attempt, which counts the attempt when it
 * ends; when the call ends, it records the call's outcome and its retries, hedges and delays.
 */
final class CallAttempts extends ClientStreamTracer.Factory {

	private final MethodMeters meters;

	private final Clock clock;

	private final long startNanos;

	// Guarded by this: hedged attempts of one call start and end on different threads.
	private int retries;

	private int hedges;

	private int transparentRetries;

	private int inFlight;

	private long idleSinceNanos = -1;

	private long retryDelayNanos;

	CallAttempts(MethodMeters meters, Clock clock) {
		this.meters = meters;
		this.clock = clock;
		this.startNanos = clock.monotonicTime();
	}

	@Override
	public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
		AttemptKind kind = AttemptKind.of(info);
		if (kind != AttemptKind.INITIAL) {
			synchronized (this) {
				switch (kind) {
					case RETRY -> this.retries++;
					case HEDGE -> this.hedges++;
					default -> this.transparentRetries++;
				}
			}
		}
		return new AttemptTracer(kind);
	}

	// grpc-java creates a retry's tracer before its backoff, so an attempt is in flight from its headers on.
	private void attemptSent(AttemptKind kind) {
		// A call's first attempt follows no wait; the common single-attempt call takes no clock read here.
		long now = (kind != AttemptKind.INITIAL) ? this.clock.monotonicTime() : 0;
		synchronized (this) {
			if (this.inFlight == 0 && this.idleSinceNanos >= 0) {
				this.retryDelayNanos += now - this.idleSinceNanos;
			}
			this.inFlight++;
		}
	}

	void callClosed(Status status) {
		long durationNanos = this.clock.monotonicTime() - this.startNanos;
		int callRetries;
		int callHedges;
		int callTransparentRetries;
		long callRetryDelayNanos;
		synchronized (this) {
			callRetries = this.retries;
			callHedges = this.hedges;
			callTransparentRetries = this.transparentRetries;
			callRetryDelayNanos = this.retryDelayNanos;
		}
		CallOutcome outcome = CallOutcome.of(status.isOk(), callRetries + callHedges > 0);
		this.meters.recordCall(outcome, status.getCode(), durationNanos);
		this.meters.retries.record(callRetries);
		this.meters.hedges.record(callHedges);
		this.meters.transparentRetries.record(callTransparentRetries);
		this.meters.retryDelay.record(callRetryDelayNanos, TimeUnit.NANOSECONDS);
	}

	private void attemptClosed(AttemptKind kind, Status status, boolean sent) {
		this.meters.attempt(kind, status.getCode()).increment();
		if (status.isOk()) {
			// An OK attempt ends its call: no wait for another attempt can follow it.
			return;
		}
		long now = this.clock.monotonicTime();
		synchronized (this) {
			if (sent && --this.inFlight == 0) {
				this.idleSinceNanos = now;
			}
			else if (!sent && this.inFlight == 0 && this.idleSinceNanos < 0) {
				// An attempt that failed before reaching a connection starts the wait for the next one.
				this.idleSinceNanos = now;
			}
		}
	}

	private final class AttemptTracer extends ClientStreamTracer {

		private final AttemptKind kind;

		private volatile boolean sent;

		AttemptTracer(AttemptKind kind) {
			this.kind = kind;
		}

		@Override
		public void outboundHeaders() {
			this.sent = true;
			attemptSent(this.kind);
		}

		@Override
		public void streamClosed(Status status) {
			attemptClosed(this.kind, status, this.sent);
		}

	}

}
