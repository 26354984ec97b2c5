package io.github.grpcretry.starter;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The backend of a web application's {@code echo} client, for each test: a real gRPC server on loopback, since the
 * incident switch and a refresh change a running channel only through its name resolver, which an in-process address
 * has none of. It fails every request with {@code UNAVAILABLE}, which retry policies retry, and counts them, so that
 * a test reads a call's attempts as the server saw them.
 */
final class UnavailableBackend implements BeforeEachCallback, AfterEachCallback {

	private final AtomicInteger requests = new AtomicInteger();

	private Server server;

	@Override
	public void beforeEach(ExtensionContext context) throws IOException {
		this.server = WebApplications.startEchoServer((request, responses) -> {
			this.requests.incrementAndGet();
			responses.onError(Status.UNAVAILABLE.asRuntimeException());
		});
	}

	@Override
	public void afterEach(ExtensionContext context) throws InterruptedException {
		this.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
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
			.isThrownBy(() -> WebApplications.call(channel, new byte[0], Duration.ofSeconds(10)));
		return this.requests.get() - before;
	}

}
