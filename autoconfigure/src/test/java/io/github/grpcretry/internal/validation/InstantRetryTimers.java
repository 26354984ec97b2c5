package io.github.grpcretry.internal.validation;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The scheduled executor of one test channel, in which grpc-java's retry backoffs and hedging delays take no time:
 * they wait in a queue until the test runs them, one by one, when the call has nothing else to wait for, however
 * long grpc-java asked them to wait (up to 292 years). Every other timer (a call's deadline, idle mode, reconnects)
 * runs on a real executor at its real time.
 */
final class InstantRetryTimers implements ScheduledExecutorService {

	// RetriableStream's backoff and hedging runnables; the tests read the name, the starter never uses the class.
	private static final String RETRY_TIMERS = "io.grpc.internal.RetriableStream$";

	private final ScheduledExecutorService realTimers;

	private final Object signal;

	private final Deque<Timer> pending = new ArrayDeque<>();

	/**
	 * Creates the timers of one channel.
	 * @param realTimers runs every timer that is not a retry backoff or hedging delay
	 * @param signal notified whenever a timer is queued
	 */
	InstantRetryTimers(ScheduledExecutorService realTimers, Object signal) {
		this.realTimers = realTimers;
		this.signal = signal;
	}

	/**
	 * Whether a retry backoff or hedging delay is waiting to be run.
	 * @return {@code true} if one is queued and not cancelled
	 */
	boolean hasPending() {
		synchronized (this.signal) {
			this.pending.removeIf(Timer::isCancelled);
			return !this.pending.isEmpty();
		}
	}

	/**
	 * Runs the next retry backoff or hedging delay at once, in the calling thread.
	 * @return {@code true} if one was run
	 */
	boolean runNext() {
		Timer next;
		synchronized (this.signal) {
			this.pending.removeIf(Timer::isCancelled);
			next = this.pending.pollFirst();
		}
		if (next == null) {
			return false;
		}
		next.run();
		return true;
	}

	@Override
	public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
		if (!command.getClass().getName().startsWith(RETRY_TIMERS)) {
			return this.realTimers.schedule(command, delay, unit);
		}
		Timer timer = new Timer(command, unit.toNanos(delay));
		synchronized (this.signal) {
			this.pending.addLast(timer);
			this.signal.notifyAll();
		}
		return timer;
	}

	@Override
	public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
		return this.realTimers.schedule(callable, delay, unit);
	}

	@Override
	public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
		return this.realTimers.scheduleAtFixedRate(command, initialDelay, period, unit);
	}

	@Override
	public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
			TimeUnit unit) {
		return this.realTimers.scheduleWithFixedDelay(command, initialDelay, delay, unit);
	}

	@Override
	public void execute(Runnable command) {
		this.realTimers.execute(command);
	}

	@Override
	public void shutdown() {
		throw new UnsupportedOperationException("The test owns these timers");
	}

	@Override
	public List<Runnable> shutdownNow() {
		throw new UnsupportedOperationException("The test owns these timers");
	}

	@Override
	public boolean isShutdown() {
		return this.realTimers.isShutdown();
	}

	@Override
	public boolean isTerminated() {
		return this.realTimers.isTerminated();
	}

	@Override
	public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
		return this.realTimers.awaitTermination(timeout, unit);
	}

	@Override
	public <T> Future<T> submit(Callable<T> task) {
		return this.realTimers.submit(task);
	}

	@Override
	public <T> Future<T> submit(Runnable task, T result) {
		return this.realTimers.submit(task, result);
	}

	@Override
	public Future<?> submit(Runnable task) {
		return this.realTimers.submit(task);
	}

	@Override
	public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
		return this.realTimers.invokeAll(tasks);
	}

	@Override
	public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
			throws InterruptedException {
		return this.realTimers.invokeAll(tasks, timeout, unit);
	}

	@Override
	public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
		return this.realTimers.invokeAny(tasks);
	}

	@Override
	public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
			throws InterruptedException, ExecutionException, TimeoutException {
		return this.realTimers.invokeAny(tasks, timeout, unit);
	}

	/**
	 * A queued retry backoff or hedging delay.
	 */
	private static final class Timer implements ScheduledFuture<Object> {

		private final Runnable command;

		private final long delayNanos;

		private volatile boolean cancelled;

		private volatile boolean done;

		Timer(Runnable command, long delayNanos) {
			this.command = command;
			this.delayNanos = delayNanos;
		}

		void run() {
			this.done = true;
			this.command.run();
		}

		@Override
		public long getDelay(TimeUnit unit) {
			return unit.convert(this.delayNanos, TimeUnit.NANOSECONDS);
		}

		@Override
		public int compareTo(Delayed other) {
			return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			if (this.done) {
				return false;
			}
			this.cancelled = true;
			return true;
		}

		@Override
		public boolean isCancelled() {
			return this.cancelled;
		}

		@Override
		public boolean isDone() {
			return this.done || this.cancelled;
		}

		@Override
		public Object get() {
			throw new UnsupportedOperationException();
		}

		@Override
		public Object get(long timeout, TimeUnit unit) {
			throw new UnsupportedOperationException();
		}

	}

}
