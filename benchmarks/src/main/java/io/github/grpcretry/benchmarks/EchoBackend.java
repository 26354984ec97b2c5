package io.github.grpcretry.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import io.github.grpcretry.benchmarks.echo.EchoGrpc;
import io.github.grpcretry.benchmarks.echo.EchoRequest;
import io.github.grpcretry.benchmarks.echo.EchoResponse;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

/**
 * An echo server for benchmarks, in-process or on loopback, whose n-th request gets the status a script says.
 */
public final class EchoBackend implements AutoCloseable {

	private final Transport transport;

	private final String inProcessName = "echo-" + UUID.randomUUID();

	private final Server server;

	private EchoBackend(Transport transport, IntFunction<Status> script) {
		this.transport = transport;
		ServerBuilder<?> builder = (transport == Transport.INPROCESS)
				? InProcessServerBuilder.forName(this.inProcessName).directExecutor()
				: NettyServerBuilder.forPort(0);
		try {
			this.server = builder.addService(new Echo(script)).build().start();
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
		return new EchoBackend(transport, (n) -> Status.OK);
	}

	/**
	 * Starts a server whose n-th request (from 1) gets the status the script says.
	 * @param transport how clients reach it
	 * @param script the status of the n-th request
	 * @return the started server
	 */
	public static EchoBackend scripted(Transport transport, IntFunction<Status> script) {
		return new EchoBackend(transport, script);
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
	}

	private static final class Echo extends EchoGrpc.EchoImplBase {

		private final IntFunction<Status> script;

		private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();

		Echo(IntFunction<Status> script) {
			this.script = script;
		}

		@Override
		public void unaryEcho(EchoRequest request, StreamObserver<EchoResponse> responses) {
			Status status = this.script.apply(this.requests.incrementAndGet());
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
