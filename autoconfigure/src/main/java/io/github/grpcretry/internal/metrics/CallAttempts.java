package io.github.grpcretry.internal.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.Status;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * Follows the attempts of one call from creation to end, and records the call once, when it has closed and its last
 * attempt has ended, whichever comes last.
 *
 * <p>grpc-java asks it for a tracer per attempt. An attempt is <em>made</em> when it is sent ({@code outboundHeaders})
 * or, failing before it could be sent, when it ends: grpc-java creates a retry's tracer when it schedules the retry,
 * before the backoff, and a retry whose backoff the call does not outlive is never started and never heard of
 * again, so only a made attempt counts, in its call's figures and in {@code grpc.client.attempts} alike. A made
 * attempt is in flight until it ends; the call's retry delay is the time after its first attempt was made with no
 * attempt in flight, the wait in which it closed included.
 *
 * <p>The call that succeeds at its only attempt is the common one, so it takes no lock, allocates nothing beyond this
 * object and reads the clock only at its start and close: what it changes is one {@code int}, by compare-and-set. A
 * failed attempt, or any attempt after the first, moves the call's counts and waits to a {@link Detail}, created then,
 * whose own lock they are changed under. That lock is private: grpc-java hands this factory to whoever holds the
 * call's options, and anyone may lock it. Nothing is recorded, observed or logged while the lock is held, only the
 * clock read (as grpc-java's own tracer factories read their stopwatches under theirs): meters and observations are
 * the application's, and may block.
 *
 * <p>Why the call made no more attempts ({@link RetryStop}) is decided once, at its close, off the attempts' path:
 * each attempt only adds up its request's wire size and notes whether its status came in the server's trailers, and a
 * failed attempt hands those to the {@link Detail} it locks anyway.
 *
 * <p>When its call is observed ({@link CallObservationInterceptor}), each made attempt after the first is also
 * observed, from made to end, as a child of the call's observation ({@link AttemptObservations}); a call that makes
 * one attempt gets no attempt observation.
 */
final class CallAttempts extends ClientStreamTracer.Factory {

	/** Of {@link #state}: how many made attempts are in flight. */
	private static final int IN_FLIGHT = (1 << 24) - 1;

	/** Of {@link #state}: the call has closed. */
	private static final int CALL_CLOSED = 1 << 24;

	/** Of {@link #state}: the initial attempt was made. */
	private static final int INITIAL_MADE = 1 << 25;

	/** Of {@link #state}: the call has a {@link Detail}, which holds its counts and waits. */
	private static final int DETAILED = 1 << 26;

	private static final VarHandle STATE;

	private static final VarHandle DETAIL;

	private static final VarHandle WIRE_BYTES;

	private static final VarHandle FROM_SERVER;

	private static final Metadata.Key<String> PUSHBACK = Metadata.Key.of("grpc-retry-pushback-ms",
			Metadata.ASCII_STRING_MARSHALLER);

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			STATE = lookup.findVarHandle(CallAttempts.class, "state", int.class);
			DETAIL = lookup.findVarHandle(CallAttempts.class, "detail", Detail.class);
			WIRE_BYTES = lookup.findVarHandle(AttemptTracer.class, "wireBytes", long.class);
			FROM_SERVER = lookup.findVarHandle(AttemptTracer.class, "fromServer", boolean.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final MethodMeters meters;

	private final CallGovernance.Method governance;

	private final long startNanos;

	// Recorded once the call has closed and nothing is in flight; an attempt made after that is not counted. Starts
	// at 0, which needs no write, volatile or not, for a new call.
	private volatile int state;

	// Written by the close before it sets CALL_CLOSED, which publishes them to whichever thread records.
	private @Nullable Status status;

	private long durationNanos;

	// Written on the call's listener events, which come one after another: whether a response's headers arrived,
	// and why the call made no more attempts, decided once, at its close, before CALL_CLOSED publishes it.
	private boolean headersReceived;

	private @Nullable RetryStop retryStop;

	// Null until the call first needs it; set once, by compare-and-set, before DETAILED is.
	private volatile @Nullable Detail detail;

	// Null unless the call is observed. Written by the call's start, before it starts the first attempt; grpc-java
	// creates every attempt's tracer after that, on the start's thread or after handing work to another thread.
	private @Nullable AttemptObservations observations;

	CallAttempts(MethodMeters meters, CallGovernance.Method governance) {
		this.meters = meters;
		this.governance = governance;
		this.startNanos = meters.clock.monotonicTime();
	}

	@Override
	public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
		AttemptKind kind = AttemptKind.of(info);
		AttemptObservations observations = this.observations;
		if (observations != null && kind != AttemptKind.INITIAL) {
			return new ObservedAttemptTracer(kind, info.getPreviousAttempts(), observations);
		}
		return new AttemptTracer(kind);
	}

	/**
	 * Observes the attempts after the first of this call; called by the call's start, before its first attempt.
	 * @param observations the observations of the call's attempts
	 */
	void observeAttempts(AttemptObservations observations) {
		this.observations = observations;
	}

	/**
	 * Reports an observation of this call that failed, as a failing meter is reported.
	 * @param ex what the observation threw
	 */
	void failed(RuntimeException ex) {
		this.meters.failed(ex);
	}

	/**
	 * Hears that a response's headers reached the call: grpc-java commits it to the attempt that sent them.
	 */
	void headersReceived() {
		this.headersReceived = true;
	}

	/**
	 * Why the call made no more attempts, decided at its first close, by the first of its interceptors to hear it.
	 * @param status the call's status
	 * @param trailers the call's trailers
	 * @return the reason
	 */
	RetryStop retryStop(Status status, Metadata trailers) {
		RetryStop stop = this.retryStop;
		if (stop == null) {
			stop = status.isOk() ? RetryStop.SUCCEEDED : RetryStop.of(failedCall(status.getCode(), trailers));
			this.retryStop = stop;
		}
		return stop;
	}

	private RetryStop.FailedCall failedCall(Status.Code code, Metadata trailers) {
		Status.Code lastAttemptCode = null;
		boolean lastAttemptFromServer = false;
		boolean bufferExceeded = false;
		int made = ((this.state & INITIAL_MADE) != 0) ? 1 : 0;
		Detail detail = this.detail;
		if (detail != null) {
			synchronized (detail) {
				lastAttemptCode = detail.lastAttemptCode;
				lastAttemptFromServer = detail.lastAttemptFromServer;
				bufferExceeded = detail.bufferExceeded;
				made += detail.retries + detail.hedges;
			}
		}
		CallGovernance.Method governance = this.governance;
		return new RetryStop.FailedCall(code, governance.policies.known(), governance.policy,
				governance.offHadPolicy, governance.throttling, this.headersReceived, bufferExceeded, lastAttemptCode,
				lastAttemptFromServer, pushbackMillis(trailers), made);
	}

	// As grpc-java reads it: a value that is not a number says not to retry.
	private static @Nullable Integer pushbackMillis(Metadata trailers) {
		String pushback = trailers.get(PUSHBACK);
		if (pushback == null) {
			return null;
		}
		try {
			return Integer.valueOf(pushback);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	/**
	 * Hears that the call closed, with the status its application sees.
	 * @param status the call's status
	 * @param trailers the call's trailers
	 */
	void callClosed(Status status, Metadata trailers) {
		long now = this.meters.clock.monotonicTime();
		int current = this.state;
		if ((current & CALL_CLOSED) != 0) {
			// Closed twice (grpc-java issue 7921): recorded at the first.
			return;
		}
		retryStop(status, trailers);
		this.status = status;
		this.durationNanos = now - this.startNanos;
		while ((current & DETAILED) == 0) {
			int witness = (int) STATE.compareAndExchange(this, current, current | CALL_CLOSED);
			if (witness == current) {
				recordIfDone(current | CALL_CLOSED);
				return;
			}
			current = witness;
		}
		Detail detail = detail();
		int after;
		synchronized (detail) {
			if ((this.state & CALL_CLOSED) != 0) {
				return;
			}
			// Read under the lock, so that the wait it ends began no later.
			now = this.meters.clock.monotonicTime();
			this.durationNanos = now - this.startNanos;
			detail.waitEnds(now);
			after = changeState(0, CALL_CLOSED);
		}
		recordIfDone(after);
	}

	/**
	 * Counts an attempt as made, unless its call was recorded already.
	 * @param kind the attempt's kind
	 * @return whether the attempt counts
	 */
	private boolean attemptMade(AttemptKind kind) {
		if (kind == AttemptKind.INITIAL) {
			int current = this.state;
			while ((current & DETAILED) == 0) {
				if (isRecorded(current)) {
					return false;
				}
				int witness = (int) STATE.compareAndExchange(this, current, (current + 1) | INITIAL_MADE);
				if (witness == current) {
					return true;
				}
				current = witness;
			}
		}
		Detail detail = detail();
		synchronized (detail) {
			int flags = DETAILED | ((kind == AttemptKind.INITIAL) ? INITIAL_MADE : 0);
			int current = this.state;
			while (true) {
				if (isRecorded(current)) {
					return false;
				}
				int witness = (int) STATE.compareAndExchange(this, current, (current + 1) | flags);
				if (witness == current) {
					break;
				}
				current = witness;
			}
			if ((current & IN_FLIGHT) == 0) {
				detail.waitEnds(this.meters.clock.monotonicTime());
			}
			detail.made(kind);
		}
		return true;
	}

	private void attemptEnded(AttemptKind kind, Status.Code code, boolean fromServer, long wireBytes) {
		// Counted before the attempt stops being in flight, so that a recorded call has all its attempts counted.
		try {
			this.meters.attemptEnded(kind, code);
		}
		catch (RuntimeException ex) {
			this.meters.failed(ex);
		}
		int after;
		if (code == Status.Code.OK) {
			// An OK attempt ends its call: no wait for another attempt follows it.
			after = (int) STATE.getAndAdd(this, -1) - 1;
		}
		else {
			Detail detail = detail();
			boolean bufferExceeded = wireBytes > this.governance.bufferLimit();
			synchronized (detail) {
				after = changeState(-1, 0);
				detail.failed(code, fromServer, bufferExceeded);
				if ((after & (IN_FLIGHT | CALL_CLOSED)) == 0) {
					detail.waitBegins(this.meters.clock.monotonicTime());
				}
			}
		}
		recordIfDone(after);
	}

	private void recordIfDone(int state) {
		if (isRecorded(state)) {
			try {
				record(state);
			}
			catch (RuntimeException ex) {
				this.meters.failed(ex);
			}
		}
	}

	private void record(int state) {
		Status status = this.status;
		if (status == null) {
			// Never: a recorded state has CALL_CLOSED, which the close sets after writing the status.
			throw new IllegalStateException("call recorded before it closed");
		}
		if ((state & DETAILED) == 0) {
			// At most one attempt, and it did not fail: no retry, hedge or wait to record.
			this.meters.recordCall(CallOutcome.of(status.isOk(), false), retryStop(), status.getCode(),
					this.durationNanos);
			this.meters.retryDelay.record(0, TimeUnit.NANOSECONDS);
			return;
		}
		int retries;
		int hedges;
		int transparentRetries;
		long retryDelayNanos;
		Detail detail = detail();
		synchronized (detail) {
			retries = detail.retries;
			hedges = detail.hedges;
			transparentRetries = detail.transparentRetries;
			retryDelayNanos = detail.retryDelayNanos;
		}
		int initial = ((state & INITIAL_MADE) != 0) ? 1 : 0;
		boolean retried = initial + retries + hedges > 1;
		this.meters.recordCall(CallOutcome.of(status.isOk(), retried), retryStop(), status.getCode(),
				this.durationNanos);
		// gRFC A96: a call that made none records none, rather than a 0.
		if (retries > 0) {
			this.meters.retries.record(retries);
		}
		if (hedges > 0) {
			this.meters.hedges.record(hedges);
		}
		if (transparentRetries > 0) {
			this.meters.transparentRetries.record(transparentRetries);
		}
		this.meters.retryDelay.record(retryDelayNanos, TimeUnit.NANOSECONDS);
	}

	// Decided by the close, which wrote it before it set CALL_CLOSED.
	private RetryStop retryStop() {
		RetryStop stop = this.retryStop;
		if (stop == null) {
			throw new IllegalStateException("call recorded before it closed");
		}
		return stop;
	}

	/**
	 * Changes the attempts in flight and sets flags, {@link #DETAILED} among them: the change of a call whose detail
	 * exists, made under its lock while lock-free changes may race with it.
	 * @param inFlightChange what to add to the attempts in flight
	 * @param flags the flags to set
	 * @return the state after the change
	 */
	private int changeState(int inFlightChange, int flags) {
		int current = this.state;
		while (true) {
			int next = (current + inFlightChange) | flags | DETAILED;
			int witness = (int) STATE.compareAndExchange(this, current, next);
			if (witness == current) {
				return next;
			}
			current = witness;
		}
	}

	// The call's one detail: created by whichever thread needs it first, before it sets DETAILED, so found by every
	// change after that one.
	private Detail detail() {
		Detail detail = this.detail;
		if (detail == null) {
			Detail created = new Detail();
			detail = (Detail) DETAIL.compareAndExchange(this, (Detail) null, created);
			if (detail == null) {
				detail = created;
			}
		}
		return detail;
	}

	private static boolean isRecorded(int state) {
		return (state & (IN_FLIGHT | CALL_CLOSED)) == CALL_CLOSED;
	}

	/**
	 * What only a call with a failed attempt or more than one attempt needs: its counts, and its waits with no
	 * attempt in flight. It is its own lock, which guards them and under which its call's state changes once
	 * {@link #DETAILED} may be set, so that a count or a wait agrees with the attempts in flight.
	 */
	private static final class Detail {

		@GuardedBy("this")
		private int retries;

		@GuardedBy("this")
		private int hedges;

		@GuardedBy("this")
		private int transparentRetries;

		@GuardedBy("this")
		private boolean waiting;

		@GuardedBy("this")
		private long waitingSinceNanos;

		@GuardedBy("this")
		private long retryDelayNanos;

		@GuardedBy("this")
		private Status.@Nullable Code lastAttemptCode;

		@GuardedBy("this")
		private boolean lastAttemptFromServer;

		@GuardedBy("this")
		private boolean bufferExceeded;

		@GuardedBy("this")
		void failed(Status.Code code, boolean fromServer, boolean bufferExceeded) {
			this.lastAttemptCode = code;
			this.lastAttemptFromServer = fromServer;
			this.bufferExceeded |= bufferExceeded;
		}

		@GuardedBy("this")
		void made(AttemptKind kind) {
			switch (kind) {
				case RETRY -> this.retries++;
				case HEDGE -> this.hedges++;
				case TRANSPARENT_RETRY -> this.transparentRetries++;
				default -> {
				}
			}
		}

		@GuardedBy("this")
		void waitBegins(long nowNanos) {
			this.waiting = true;
			this.waitingSinceNanos = nowNanos;
		}

		@GuardedBy("this")
		void waitEnds(long nowNanos) {
			if (this.waiting) {
				this.waiting = false;
				this.retryDelayNanos += nowNanos - this.waitingSinceNanos;
			}
		}

	}

	/**
	 * One attempt's tracer: makes the attempt when it is sent, or when it ends unsent, and ends it.
	 */
	private class AttemptTracer extends ClientStreamTracer {

		private static final int CREATED = 0;

		private static final int MADE = 1;

		private static final int ENDED = 2;

		private static final int NOT_COUNTED = 3;

		final AttemptKind kind;

		// A stream's events come one at a time, not always on the same thread nor in the same order: Netty reports
		// a stream cancelled while its headers were being written closed first, and sent after. CREATED is 0, so a
		// new tracer writes nothing.
		private volatile int progress;

		// The attempt's request bytes on the wire, as grpc-java's retry buffer counts them, and whether its status
		// came in the server's trailers: written by one event at a time, read when it ends (WIRE_BYTES, FROM_SERVER).
		private long wireBytes;

		private boolean fromServer;

		AttemptTracer(AttemptKind kind) {
			this.kind = kind;
		}

		@Override
		public void outboundHeaders() {
			if (this.progress == CREATED) {
				boolean made = attemptMade(this.kind);
				if (made) {
					// Before MADE is published, so that the end, maybe on another thread, sees what began.
					began();
				}
				this.progress = made ? MADE : NOT_COUNTED;
			}
		}

		@Override
		public void outboundWireSize(long bytes) {
			WIRE_BYTES.setRelease(this, (long) WIRE_BYTES.getAcquire(this) + bytes);
		}

		@Override
		public void inboundTrailers(Metadata trailers) {
			FROM_SERVER.setRelease(this, true);
		}

		@Override
		public void streamClosed(Status status) {
			int progress = this.progress;
			if (progress == CREATED) {
				// Ended before it was heard of as sent: made now, and headers heard of later change nothing.
				this.progress = ENDED;
				if (!attemptMade(this.kind)) {
					return;
				}
				began();
			}
			else if (progress != MADE) {
				return;
			}
			ended(status);
			attemptEnded(this.kind, status.getCode(), (boolean) FROM_SERVER.getAcquire(this),
					(long) WIRE_BYTES.getAcquire(this));
		}

		/** The attempt was made and counts. */
		void began() {
		}

		/**
		 * The attempt that was made ended, before it is counted.
		 * @param status how it ended
		 */
		void ended(Status status) {
		}

	}

	/**
	 * The tracer of an attempt after the first of an observed call: also observes the attempt from made to end.
	 */
	private final class ObservedAttemptTracer extends AttemptTracer {

		private final int previousAttempts;

		private final AttemptObservations observations;

		// Written before the progress that says MADE, read after it; null if the observation failed to start.
		private @Nullable Observation observation;

		ObservedAttemptTracer(AttemptKind kind, int previousAttempts, AttemptObservations observations) {
			super(kind);
			this.previousAttempts = previousAttempts;
			this.observations = observations;
		}

		@Override
		void began() {
			try {
				this.observation = this.observations.start(this.kind, this.previousAttempts);
			}
			catch (RuntimeException ex) {
				// Observations, like meters, never break a call.
				CallAttempts.this.meters.failed(ex);
			}
		}

		@Override
		void ended(Status status) {
			Observation observation = this.observation;
			if (observation != null) {
				try {
					AttemptObservations.stop(observation, status);
				}
				catch (RuntimeException ex) {
					CallAttempts.this.meters.failed(ex);
				}
			}
		}

	}

}
