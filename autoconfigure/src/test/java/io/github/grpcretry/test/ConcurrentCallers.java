package io.github.grpcretry.test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Threads that call {@code echo.Echo/UnaryEcho} on a channel, one call after another, until stopped, and count each
 * call's status: the load under which a test changes a running channel's policy.
 */
public final class ConcurrentCallers {

	private final AtomicBoolean calling = new AtomicBoolean(true);

	private final Map<Status.Code, LongAdder> statuses = new ConcurrentHashMap<>();

	private final ExecutorService threads;

	private final List<Future<?>> running = new ArrayList<>();

	private ConcurrentCallers(ManagedChannel channel, int threads) {
		this.threads = Executors.newFixedThreadPool(threads);
		for (int i = 0; i < threads; i++) {
			this.running.add(this.threads.submit(() -> callUntilStopped(channel)));
		}
	}

	/**
	 * Starts the callers.
	 * @param channel the channel to call
	 * @param threads how many threads call at once
	 * @return the running callers
	 */
	public static ConcurrentCallers start(ManagedChannel channel, int threads) {
		return new ConcurrentCallers(channel, threads);
	}

	/**
	 * Stops the callers once each has finished its call in flight.
	 * @return how many calls ended with each status
	 * @throws Exception if a caller failed, or did not stop within 30 seconds
	 */
	public Map<Status.Code, Long> stop() throws Exception {
		this.calling.set(false);
		try {
			for (Future<?> caller : this.running) {
				caller.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			this.threads.shutdownNow();
		}
		Map<Status.Code, Long> counted = new ConcurrentHashMap<>();
		this.statuses.forEach((code, count) -> counted.put(code, count.sum()));
		return counted;
	}

	private void callUntilStopped(ManagedChannel channel) {
		EchoGrpc.EchoBlockingStub echo = EchoGrpc.newBlockingStub(channel);
		while (this.calling.get()) {
			Status.Code code;
			try {
				echo.withDeadlineAfter(10, TimeUnit.SECONDS).unaryEcho(EchoRequest.newBuilder().setMessage("hi").build());
				code = Status.Code.OK;
			}
			catch (StatusRuntimeException ex) {
				code = ex.getStatus().getCode();
			}
			this.statuses.computeIfAbsent(code, (key) -> new LongAdder()).increment();
		}
	}

}
