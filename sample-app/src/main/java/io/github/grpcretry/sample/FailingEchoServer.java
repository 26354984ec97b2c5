package io.github.grpcretry.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.grpcretry.sample.echo.EchoGrpc;
import io.github.grpcretry.sample.echo.EchoRequest;
import io.github.grpcretry.sample.echo.EchoResponse;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * The seed articles' echo server, in the sample's own JVM: in retry mode it fails every request but each
 * {@code succeed-every}-th with {@code fail-with} ({@code UNAVAILABLE}); in hedging mode it answers a call's first
 * attempt slowly and its hedges at once.
 */
class FailingEchoServer extends EchoGrpc.EchoImplBase implements SmartLifecycle {

	private static final Metadata.Key<String> PREVIOUS_ATTEMPTS = Metadata.Key.of("grpc-previous-rpc-attempts",
			Metadata.ASCII_STRING_MARSHALLER);

	private static final Context.Key<Boolean> FIRST_ATTEMPT = Context.key("first-attempt");

	private final SampleProperties properties;

	private final AtomicInteger requests = new AtomicInteger();

	// Null while stopped.
	private volatile @Nullable Server server;

	FailingEchoServer(SampleProperties properties) {
		this.properties = properties;
	}

	@Override
	public void unaryEcho(EchoRequest request, StreamObserver<EchoResponse> responses) {
		int n = this.requests.incrementAndGet();
		if (this.properties.mode() == SampleProperties.Mode.HEDGING) {
			if (FIRST_ATTEMPT.get()) {
				sleep(this.properties.slowFirstAttempt().toMillis());
			}
		}
		else if (n % this.properties.succeedEvery() != 0) {
			responses.onError(Status.fromCode(this.properties.failWith())
				.withDescription("failing request " + n + " on purpose")
				.asRuntimeException());
			return;
		}
		responses.onNext(EchoResponse.newBuilder().setMessage(request.getMessage()).build());
		responses.onCompleted();
	}

	/**
	 * How many requests the server received, retries and hedges included.
	 * @return the request count
	 */
	int requestCount() {
		return this.requests.get();
	}

	@Override
	public void start() {
		ServerInterceptor firstAttempt = new ServerInterceptor() {
			@Override
			public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
					Metadata headers, ServerCallHandler<ReqT, RespT> next) {
				Context context = Context.current().withValue(FIRST_ATTEMPT, !headers.containsKey(PREVIOUS_ATTEMPTS));
				return Contexts.interceptCall(context, call, headers, next);
			}
		};
		try {
			this.server = NettyServerBuilder.forPort(this.properties.port())
				.addService(ServerInterceptors.intercept(this, firstAttempt))
				.build()
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start the echo server on port " + this.properties.port()
					+ "; choose another with --sample.port=<port>", ex);
		}
	}

	@Override
	public void stop() {
		Server running = this.server;
		if (running != null) {
			running.shutdownNow();
			try {
				running.awaitTermination(5, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.server = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.server != null;
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
