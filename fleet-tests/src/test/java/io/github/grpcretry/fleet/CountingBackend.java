package io.github.grpcretry.fleet;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * One instance's backend: a real gRPC server on loopback (a running channel changes only through its name resolver,
 * which an in-process address has none of) that fails every request with {@code UNAVAILABLE}, which retry policies
 * retry, and counts them, so that a test reads a call's attempts as the server saw them. One per instance, so that
 * each instance's attempts are its own.
 */
final class CountingBackend implements AutoCloseable {

	/** {@code echo.Echo/UnaryEcho}, its messages as bytes, so that no generated stub is needed. */
	private static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
		.setType(MethodDescriptor.MethodType.UNARY)
		.setFullMethodName("echo.Echo/UnaryEcho")
		.setRequestMarshaller(new BytesMarshaller())
		.setResponseMarshaller(new BytesMarshaller())
		.build();

	private final AtomicInteger requests = new AtomicInteger();

	private final Server server;

	CountingBackend() throws IOException {
		this.server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
			.addService(ServerServiceDefinition.builder("echo.Echo")
				.addMethod(ECHO, ServerCalls.asyncUnaryCall((request, responses) -> {
					this.requests.incrementAndGet();
					responses.onError(Status.UNAVAILABLE.asRuntimeException());
				}))
				.build())
			.build()
			.start();
	}

	/**
	 * The server's address, as a client's {@code address}.
	 * @return {@code 127.0.0.1:<port>}
	 */
	String address() {
		return "127.0.0.1:" + this.server.getPort();
	}

	/**
	 * Makes one call through the application's {@code echo} client, and counts the requests the server received for
	 * it.
	 * @param context the running application
	 * @return the call's attempts, as the server saw them
	 */
	int attemptsOfOneFailingCall(ConfigurableApplicationContext context) {
		ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
		int before = this.requests.get();
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> ClientCalls.blockingUnaryCall(channel, ECHO,
					CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[0]));
		return this.requests.get() - before;
	}

	@Override
	public void close() throws InterruptedException {
		this.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
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
