package io.github.grpcretry.internal.channel;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The channel factory on its own, as code outside Spring may use it.
 */
class GrpcChannelFactoryTests {

	private static final String SERVER_NAME = "grpc-channel-factory-tests";

	@Test
	void channelRequestedAfterCloseIsShutDownAtOnce() throws InterruptedException {
		try (EchoTestServer server = EchoTestServer.inProcess(SERVER_NAME, (n) -> Answer.ok())) {
			GrpcChannelFactory factory = new GrpcChannelFactory(
					clients(Map.of("grpc.clients.echo.address", "in-process:" + SERVER_NAME)), (bundle) -> null,
					List.of());
			factory.close();
			ManagedChannel channel = factory.createChannel("echo");
			assertThat(channel.isShutdown()).isTrue();
			assertThat(channel.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
			assertThatExceptionOfType(StatusRuntimeException.class)
				.isThrownBy(() -> EchoGrpc.newBlockingStub(channel)
					.unaryEcho(EchoRequest.newBuilder().setMessage("late").build()))
				.extracting((ex) -> ex.getStatus().getCode())
				.isEqualTo(Status.Code.UNAVAILABLE);
			assertThat(server.requestCount()).isZero();
		}
	}

	@Test
	void closeDoesNotWaitForTheShutdownOfAChannelThatLostTheRaceToBeTheClients() throws Exception {
		try (SlowShutdownResolver resolver = SlowShutdownResolver.register()) {
			CyclicBarrier bothBuilding = new CyclicBarrier(2);
			// Two threads ask for the client's channel at once, and each builds one: the second to finish shuts its
			// own down, and grpc-java shuts the target's name resolver down on that thread, for as long as it takes.
			GrpcChannelFactory factory = new GrpcChannelFactory(
					clients(Map.of("grpc.clients.echo.address", resolver.scheme() + "://echo",
							"grpc.clients.echo.negotiation-type", "plaintext")),
					(bundle) -> null, List.of((client, builder) -> await(bothBuilding)));
			CompletableFuture<ManagedChannel> first = CompletableFuture.supplyAsync(() -> factory.createChannel("echo"),
					newThread());
			CompletableFuture<ManagedChannel> second = CompletableFuture
				.supplyAsync(() -> factory.createChannel("echo"), newThread());
			assertThat(resolver.firstShutdown.await(10, TimeUnit.SECONDS)).isTrue();
			CompletableFuture<Void> closing = CompletableFuture.runAsync(factory::close, newThread());
			try {
				assertThat(closing).succeedsWithin(Duration.ofSeconds(5));
			}
			finally {
				resolver.finishFirstShutdown.countDown();
			}
			ManagedChannel kept = first.get(10, TimeUnit.SECONDS);
			assertThat(second.get(10, TimeUnit.SECONDS)).isSameAs(kept);
			assertThat(factory.builtChannel("echo")).isSameAs(kept);
			assertThat(kept.isShutdown()).isTrue();
		}
	}

	private static void await(CyclicBarrier barrier) {
		try {
			barrier.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		catch (BrokenBarrierException | TimeoutException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Executor newThread() {
		return (task) -> new Thread(task).start();
	}

	private static GrpcClientsProperties clients(Map<String, String> properties) {
		return new Binder(new MapConfigurationPropertySource(properties))
			.bind(GrpcClientsProperties.PREFIX, GrpcClientsProperties.class)
			.get();
	}

	/**
	 * A target's name resolver whose first instance takes its time to shut down, until the test lets it finish;
	 * registered under a scheme of its own in grpc-java's default registry, and removed when closed.
	 */
	private static final class SlowShutdownResolver extends NameResolverProvider implements AutoCloseable {

		private static final AtomicInteger schemes = new AtomicInteger();

		private final String scheme = "slow-shutdown-test-" + schemes.incrementAndGet();

		private final AtomicBoolean shutDownOnce = new AtomicBoolean();

		final CountDownLatch firstShutdown = new CountDownLatch(1);

		final CountDownLatch finishFirstShutdown = new CountDownLatch(1);

		static SlowShutdownResolver register() {
			SlowShutdownResolver resolver = new SlowShutdownResolver();
			NameResolverRegistry.getDefaultRegistry().register(resolver);
			return resolver;
		}

		String scheme() {
			return this.scheme;
		}

		@Override
		public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
			return new NameResolver() {

				@Override
				public String getServiceAuthority() {
					return "echo";
				}

				@Override
				public void start(Listener2 listener) {
				}

				@Override
				public void shutdown() {
					if (SlowShutdownResolver.this.shutDownOnce.compareAndSet(false, true)) {
						SlowShutdownResolver.this.firstShutdown.countDown();
						try {
							SlowShutdownResolver.this.finishFirstShutdown.await(10, TimeUnit.SECONDS);
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
						}
					}
				}

			};
		}

		@Override
		public String getDefaultScheme() {
			return this.scheme;
		}

		@Override
		protected boolean isAvailable() {
			return true;
		}

		@Override
		protected int priority() {
			return 5;
		}

		@Override
		public void close() {
			NameResolverRegistry.getDefaultRegistry().deregister(this);
		}

	}

}
