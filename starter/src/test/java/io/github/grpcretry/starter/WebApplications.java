package io.github.grpcretry.starter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * What the starter's tests of a real web application share: requests to its web server, a free port, and a unary
 * gRPC method of raw bytes ({@code echo.Echo/UnaryEcho}), so that no generated stub is needed.
 */
final class WebApplications {

	/** {@code echo.Echo/UnaryEcho}, its messages as bytes. */
	static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
		.setType(MethodDescriptor.MethodType.UNARY)
		.setFullMethodName("echo.Echo/UnaryEcho")
		.setRequestMarshaller(new BytesMarshaller())
		.setResponseMarshaller(new BytesMarshaller())
		.build();

	private static final HttpClient HTTP = HttpClient.newHttpClient();

	private WebApplications() {
	}

	/**
	 * Sends a GET to the application's web server.
	 * @param context the running web application
	 * @param path the path and query
	 * @return the response, once it arrives
	 */
	static CompletableFuture<HttpResponse<String>> send(ConfigurableApplicationContext context, String path) {
		// Set by Spring Boot on every line once the web server started, wherever its web server types live.
		int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		return HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * Sends a POST of a JSON body to the application's web server and waits for the response.
	 * @param context the running web application
	 * @param path the path
	 * @param json the body
	 * @return the response
	 * @throws Exception if the request fails or gets no response within 20 s
	 */
	static HttpResponse<String> post(ConfigurableApplicationContext context, String path, String json)
			throws Exception {
		int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		return HTTP
			.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(json))
				.build(), HttpResponse.BodyHandlers.ofString())
			.get(20, TimeUnit.SECONDS);
	}

	/**
	 * Sends a GET to the application's web server and waits for the response.
	 * @param context the running web application
	 * @param path the path and query
	 * @return the response
	 * @throws Exception if the request fails or gets no response within 20 s
	 */
	static HttpResponse<String> get(ConfigurableApplicationContext context, String path) throws Exception {
		return send(context, path).get(20, TimeUnit.SECONDS);
	}

	/**
	 * Calls {@link #ECHO} on the channel.
	 * @param channel the channel
	 * @param request the request's bytes
	 * @param deadline the call's deadline
	 * @return the reply's bytes
	 */
	static byte[] call(ManagedChannel channel, byte[] request, Duration deadline) {
		return ClientCalls.blockingUnaryCall(channel, ECHO,
				CallOptions.DEFAULT.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS), request);
	}

	/**
	 * Starts a gRPC server on loopback, on a free port, that answers {@link #ECHO} with the given method.
	 * @param echo what the server does with each request
	 * @return the started server
	 * @throws IOException if it cannot start
	 */
	static Server startEchoServer(ServerCalls.UnaryMethod<byte[], byte[]> echo) throws IOException {
		return Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
			.addService(ServerServiceDefinition.builder("echo.Echo")
				.addMethod(ECHO, ServerCalls.asyncUnaryCall(echo))
				.build())
			.build()
			.start();
	}

	/**
	 * A port nothing listens on.
	 * @return the port
	 * @throws IOException if no port can be had
	 */
	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {

		@Override
		public InputStream stream(byte[] value) {
			return new ByteArrayInputStream(value);
		}

		@Override
		public byte[] parse(InputStream stream) {
			try {
				return stream.readAllBytes();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

	}

}
