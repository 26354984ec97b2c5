package io.github.grpcretry.test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;

import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.test.echo.EchoResponse;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import org.jspecify.annotations.Nullable;

/**
 * A real grpc-java echo server for tests, on loopback or in-process, that answers each request as a script says
 * (the n-th request it receives, counted from 1, over all methods, or the request itself) and records every request
 * it received.
 */
public final class EchoTestServer implements AutoCloseable {

	/** The header grpc-java sets on every retry and hedge: how many attempts came before. */
	public static final Metadata.Key<String> PREVIOUS_ATTEMPTS = Metadata.Key.of("grpc-previous-rpc-attempts",
			Metadata.ASCII_STRING_MARSHALLER);

	private static final Metadata.Key<String> PUSHBACK = Metadata.Key.of("grpc-retry-pushback-ms",
			Metadata.ASCII_STRING_MARSHALLER);

	private static final Context.Key<Metadata> HEADERS_CONTEXT = Context.key("headers");

	private final Server server;

	private final AtomicInteger requestCount = new AtomicInteger();

	private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();

	private final Function<Request, Answer> script;

	private final ScheduledExecutorService delayedAnswers = Executors.newSingleThreadScheduledExecutor();

	// What the server runs on that grpc-java does not shut down with it.
	private final Runnable afterClose;

	// A client's address for it: in-process:NAME, or null for a socket, whose port is known once it listens.
	private final @Nullable String inProcessAddress;

	private EchoTestServer(Function<Request, Answer> script, Server server, Runnable afterClose,
			@Nullable String inProcessAddress) {
		this.script = script;
		this.server = server;
		this.afterClose = afterClose;
		this.inProcessAddress = inProcessAddress;
	}

	/**
	 * Starts a server on a free loopback port.
	 * @param script the answer to the n-th request
	 * @return the started server
	 */
	public static EchoTestServer onLoopback(IntFunction<Answer> script) {
		return onLoopbackByRequest((request) -> script.apply(request.number()));
	}

	/**
	 * Starts a server on a free loopback port that answers by what it sees of each request: its method, its
	 * previous attempts.
	 * @param script the answer to a request
	 * @return the started server
	 */
	public static EchoTestServer onLoopbackByRequest(Function<Request, Answer> script) {
		return start(script, (services) -> NettyServerBuilder.forPort(0).addService(services).build(), () -> {
		}, null);
	}

	/**
	 * Starts a server on a Unix domain socket (Linux: Netty's epoll transport, in grpc-netty-shaded), reached as
	 * {@code unix:<path>}.
	 * @param socket the socket file to create
	 * @param script the answer to the n-th request
	 * @return the started server
	 */
	public static EchoTestServer onUnixDomainSocket(Path socket, IntFunction<Answer> script) {
		EventLoopGroup events = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
		try {
			return start((request) -> script.apply(request.number()),
					(services) -> NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
						.channelType(EpollServerDomainSocketChannel.class)
						.bossEventLoopGroup(events)
						.workerEventLoopGroup(events)
						.addService(services)
						.build(),
					events::shutdownGracefully, null);
		}
		catch (RuntimeException ex) {
			events.shutdownGracefully();
			throw ex;
		}
	}

	/**
	 * Starts an in-process server.
	 * @param name the in-process name, used as {@code in-process:NAME}
	 * @param script the answer to the n-th request
	 * @return the started server
	 */
	public static EchoTestServer inProcess(String name, IntFunction<Answer> script) {
		return inProcessByRequest(name, (request) -> script.apply(request.number()));
	}

	/**
	 * Starts an in-process server of a name of its own, for a test whose subject is not the wire: what grpc-java's
	 * channel does with calls (retries, hedging, throttling, deadlines) and what the starter counts and traces of them
	 * is the same through either transport. A client reaches it at {@link #address()}.
	 * @param script the answer to the n-th request
	 * @return the started server
	 */
	public static EchoTestServer inProcess(IntFunction<Answer> script) {
		return inProcessByRequest((request) -> script.apply(request.number()));
	}

	/**
	 * Starts an in-process server of a name of its own that answers by what it sees of each request: its method, its
	 * previous attempts.
	 * @param script the answer to a request
	 * @return the started server
	 */
	public static EchoTestServer inProcessByRequest(Function<Request, Answer> script) {
		return inProcessByRequest("echo-test-server-" + UUID.randomUUID(), script);
	}

	private static EchoTestServer inProcessByRequest(String name, Function<Request, Answer> script) {
		return start(script,
				(services) -> InProcessServerBuilder.forName(name).directExecutor().addService(services).build(),
				() -> {
				}, "in-process:" + name);
	}

	/**
	 * A script that answers every request the same way.
	 * @param answer the answer
	 * @return the script
	 */
	public static IntFunction<Answer> always(Answer answer) {
		return (n) -> answer;
	}

	/**
	 * A script like the seed articles' server: of every {@code modulo} requests, all but the last fail with
	 * {@code UNAVAILABLE}.
	 * @param modulo how many requests make one success
	 * @return the script
	 */
	public static IntFunction<Answer> failAllButEvery(int modulo) {
		return (n) -> (n % modulo == 0) ? Answer.ok() : Answer.fail(Status.Code.UNAVAILABLE);
	}

	private static EchoTestServer start(Function<Request, Answer> script, ServerFactory factory, Runnable afterClose,
			@Nullable String inProcessAddress) {
		EchoTestServer[] holder = new EchoTestServer[1];
		ServerInterceptor keepHeaders = new ServerInterceptor() {
			@Override
			public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
					ServerCallHandler<ReqT, RespT> next) {
				Context context = Context.current().withValue(HEADERS_CONTEXT, headers);
				return Contexts.interceptCall(context, call, headers, next);
			}
		};
		Server server = factory.create(ServerInterceptors.intercept(new Services(holder), keepHeaders));
		try {
			server.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		holder[0] = new EchoTestServer(script, server, afterClose, inProcessAddress);
		return holder[0];
	}

	/**
	 * The port of a loopback server.
	 * @return the port
	 */
	public int port() {
		return this.server.getPort();
	}

	/**
	 * The address of the server, as a client's {@code address}.
	 * @return {@code 127.0.0.1:<port>} on loopback, {@code in-process:NAME} in-process
	 */
	public String address() {
		return (this.inProcessAddress != null) ? this.inProcessAddress : "127.0.0.1:" + port();
	}

	/**
	 * A builder of a plaintext channel to the server, for a test that builds its own: in-process or on loopback, as
	 * the server runs.
	 * @return the builder
	 */
	public ManagedChannelBuilder<?> channelBuilder() {
		return (this.inProcessAddress != null)
				? InProcessChannelBuilder.forName(this.inProcessAddress.substring("in-process:".length()))
				: ManagedChannelBuilder.forTarget(address()).usePlaintext();
	}

	/**
	 * Every request received, in order.
	 * @return the requests
	 */
	public List<Request> requests() {
		return List.copyOf(this.requests);
	}

	/**
	 * How many requests arrived.
	 * @return the count
	 */
	public int requestCount() {
		return this.requestCount.get();
	}

	@Override
	public void close() {
		this.delayedAnswers.shutdownNow();
		this.server.shutdownNow();
		try {
			this.server.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			this.afterClose.run();
		}
	}

	private void answer(String method, EchoRequest request, StreamObserver<EchoResponse> responses) {
		int n = this.requestCount.incrementAndGet();
		Metadata headers = HEADERS_CONTEXT.get();
		String previous = headers.get(PREVIOUS_ATTEMPTS);
		Request received = new Request(n, method, request.getMessage(),
				(previous != null) ? Integer.parseInt(previous) : 0, System.nanoTime(), headers);
		this.requests.add(received);
		Answer answer = this.script.apply(received);
		if (answer.delay().isZero()) {
			respond(answer, n, request, responses);
		}
		else {
			// Answered later without holding a server thread, so that a slow answer the client has given up on
			// (its call cancelled, which makes onNext throw here) does not hold up close() either.
			this.delayedAnswers.schedule(() -> respond(answer, n, request, responses), answer.delay().toNanos(),
					TimeUnit.NANOSECONDS);
		}
	}

	private static void respond(Answer answer, int n, EchoRequest request, StreamObserver<EchoResponse> responses) {
		EchoResponse echo = EchoResponse.newBuilder().setMessage(request.getMessage()).build();
		if (answer.messageFirst() || answer.code() == Status.Code.OK) {
			// A message sends the response's headers before it.
			responses.onNext(echo);
		}
		if (answer.leftOpen()) {
			return;
		}
		if (answer.code() == Status.Code.OK) {
			responses.onCompleted();
		}
		else {
			Metadata trailers = new Metadata();
			if (answer.pushback() != null) {
				trailers.put(PUSHBACK, answer.pushback());
			}
			responses.onError(
					Status.fromCode(answer.code()).withDescription("failing request " + n).asException(trailers));
		}
	}

	/**
	 * How the server answers one request.
	 *
	 * @param code the status to answer with
	 * @param delay how long to wait before answering
	 * @param messageFirst whether a message (and so the response's headers) goes out before a failing status
	 * @param pushback the {@code grpc-retry-pushback-ms} of a failing status's trailers, or {@code null}
	 * @param leftOpen whether the status never goes out, the call left open
	 */
	public record Answer(Status.Code code, Duration delay, boolean messageFirst, @Nullable String pushback,
			boolean leftOpen) {

		public Answer(Status.Code code, Duration delay) {
			this(code, delay, false, null, false);
		}

		public static Answer ok() {
			return new Answer(Status.Code.OK, Duration.ZERO);
		}

		public static Answer fail(Status.Code code) {
			return new Answer(code, Duration.ZERO);
		}

		public static Answer okAfter(Duration delay) {
			return new Answer(Status.Code.OK, delay);
		}

		/** A message, then the failing status: the client has the response's headers when the call fails. */
		public static Answer failAfterMessage(Status.Code code) {
			return new Answer(code, Duration.ZERO, true, null, false);
		}

		/** A failing status whose trailers carry the server's pushback, such as {@code -1}: do not retry. */
		public static Answer failWithPushback(Status.Code code, String pushbackMillis) {
			return new Answer(code, Duration.ZERO, false, pushbackMillis, false);
		}

		/** No answer at all: the call stays open until the client ends it. */
		public static Answer never() {
			return new Answer(Status.Code.OK, Duration.ZERO, false, null, true);
		}

		/** A message, and then nothing: the response began, and the call stays open until the client ends it. */
		public static Answer messageThenNever() {
			return new Answer(Status.Code.OK, Duration.ZERO, true, null, true);
		}

	}

	/**
	 * One request as the server received it.
	 *
	 * @param number its place among all requests, from 1
	 * @param method the full method name
	 * @param message the request's message
	 * @param previousAttempts the {@code grpc-previous-rpc-attempts} header, 0 when absent
	 * @param receivedNanos when it arrived, by {@link System#nanoTime()}
	 * @param headers the headers it arrived with, such as a trace context
	 */
	public record Request(int number, String method, String message, int previousAttempts, long receivedNanos,
			Metadata headers) {
	}

	private interface ServerFactory {

		Server create(io.grpc.ServerServiceDefinition services);

	}

	private static final class Services extends EchoGrpc.EchoImplBase {

		private final EchoTestServer[] server;

		Services(EchoTestServer[] server) {
			this.server = server;
		}

		@Override
		public void unaryEcho(EchoRequest request, StreamObserver<EchoResponse> responses) {
			this.server[0].answer(EchoGrpc.getUnaryEchoMethod().getFullMethodName(), request, responses);
		}

		@Override
		public void otherEcho(EchoRequest request, StreamObserver<EchoResponse> responses) {
			this.server[0].answer(EchoGrpc.getOtherEchoMethod().getFullMethodName(), request, responses);
		}

	}

}
