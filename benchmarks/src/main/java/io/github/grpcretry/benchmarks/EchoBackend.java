package io.github.grpcretry.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.IntToLongFunction;

import io.github.grpcretry.benchmarks.echo.EchoGrpc;
import io.github.grpcretry.benchmarks.echo.EchoRequest;
import io.github.grpcretry.benchmarks.echo.EchoResponse;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * An echo server for benchmarks, in-process or on loopback, whose n-th request gets the status a script says,
 * after the delay a second script says.
 */
public final class EchoBackend implements AutoCloseable {

	private final Transport transport;

	private final String inProcessName = "echo-" + UUID.randomUUID();

	// Delayed answers wait here, so that a slow request holds no server thread.
	private final ScheduledExecutorService answerLater = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "echo-backend-delay");
		thread.setDaemon(true);
		return thread;
	});

	private final Echo echo;

	private final AtomicInteger streamsStarted = new AtomicInteger();

	private final Server server;

	private EchoBackend(Transport transport, IntFunction<Status> script, IntToLongFunction delayNanos) {
		this.transport = transport;
		this.echo = new Echo(script, delayNanos, this.answerLater);
		ServerBuilder<?> builder = (transport == Transport.INPROCESS)
				? InProcessServerBuilder.forName(this.inProcessName).directExecutor()
				: NettyServerBuilder.forPort(0);
		try {
			this.server = builder.addService(ServerInterceptors.intercept(this.echo, new CountStreams()))
				.build()
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Starts a server that answers every request with {@code OK}.
	 * @param transport how clients reach it
	 * @return the started server
	 */
	public static EchoBackend alwaysOk(Transport transport) {
		return new EchoBackend(transport, (n) -> Status.OK, (n) -> 0);
	}

	/**
	 * Starts a server whose n-th request (from 1) gets the status the script says.
	 * @param transport how clients reach it
	 * @param script the status of the n-th request
	 * @return the started server
	 */
	public static EchoBackend scripted(Transport transport, IntFunction<Status> script) {
		return new EchoBackend(transport, script, (n) -> 0);
	}

	/**
	 * Starts a server that answers its n-th request (from 1) with {@code OK} after the delay the script says.
	 * @param transport how clients reach it
	 * @param delayNanos the delay before the n-th request's answer, in nanoseconds; 0 answers at once
	 * @return the started server
	 */
	public static EchoBackend delayed(Transport transport, IntToLongFunction delayNanos) {
		return new EchoBackend(transport, (n) -> Status.OK, delayNanos);
	}

	/**
	 * The address a starter client uses: {@code in-process:NAME} or {@code 127.0.0.1:PORT}.
	 * @return the client address
	 */
	public String address() {
		return (this.transport == Transport.INPROCESS) ? "in-process:" + this.inProcessName
				: "127.0.0.1:" + this.server.getPort();
	}

	/**
	 * How many requests the echo service has handled, hedges and retries included; the scripts' {@code n}.
	 * @return the number of requests so far
	 */
	public int requests() {
		return this.echo.requests.get();
	}

	/**
	 * How many calls reached the server, counted at their headers: also those the client cancelled before the echo
	 * service read their request, such as a hedge that lost the race.
	 * @return the number of calls started so far
	 */
	public int streamsStarted() {
		return this.streamsStarted.get();
	}

	/**
	 * A plain grpc-java channel builder for this server, configured as the starter configures its own.
	 * @return the builder
	 */
	public ManagedChannelBuilder<?> rawChannelBuilder() {
		if (this.transport == Transport.INPROCESS) {
			return InProcessChannelBuilder.forName(this.inProcessName).directExecutor();
		}
		return ManagedChannelBuilder.forTarget("127.0.0.1:" + this.server.getPort())
			.usePlaintext()
			.defaultLoadBalancingPolicy("round_robin");
	}

	@Override
	public void close() throws InterruptedException {
		this.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		this.answerLater.shutdownNow();
	}

	private final class CountStreams implements ServerInterceptor {

		@Override
		public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
				ServerCallHandler<ReqT, RespT> next) {
			EchoBackend.this.streamsStarted.incrementAndGet();
			return next.startCall(call, headers);
		}

	}

	private static final class Echo extends EchoGrpc.EchoImplBase {

		private final IntFunction<Status> script;

		private final IntToLongFunction delayNanos;

		private final ScheduledExecutorService answerLater;

		private final AtomicInteger requests = new AtomicInteger();

		Echo(IntFunction<Status> script, IntToLongFunction delayNanos, ScheduledExecutorService answerLater) {
			this.script = script;
			this.delayNanos = delayNanos;
			this.answerLater = answerLater;
		}

		@Override
		public void unaryEcho(EchoRequest request, StreamObserver<EchoResponse> responses) {
			int n = this.requests.incrementAndGet();
			Status status = this.script.apply(n);
			long delay = this.delayNanos.applyAsLong(n);
			if (delay <= 0) {
				answer(request, status, responses);
			}
			else {
				this.answerLater.schedule(() -> answer(request, status, responses), delay, TimeUnit.NANOSECONDS);
			}
		}

		private static void answer(EchoRequest request, Status status, StreamObserver<EchoResponse> responses) {
			// The losing attempt of a hedged call is cancelled by the client while its answer waits.
			if (((ServerCallStreamObserver<EchoResponse>) responses).isCancelled()) {
				return;
			}
			if (status.isOk()) {
				responses.onNext(EchoResponse.newBuilder().setMessage(request.getMessage()).build());
				responses.onCompleted();
			}
			else {
				responses.onError(status.asRuntimeException());
			}
		}

	}

}
