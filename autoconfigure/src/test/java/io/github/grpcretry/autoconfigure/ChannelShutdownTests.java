package io.github.grpcretry.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.github.grpcretry.channel.RetryChannelBuilderCustomizer;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.test.echo.EchoResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.logging.LoggingMeterRegistry;
import io.micrometer.core.instrument.logging.LoggingRegistryConfig;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Channels shut down with the context, each when its bean is destroyed: after the application's work, with their
 * calls in flight answered, and none escapes, also when it is requested while the context closes.
 */
class ChannelShutdownTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final String SERVER_NAME = "channel-shutdown-tests";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withPropertyValues("grpc.clients.echo.address=in-process:" + SERVER_NAME,
				"grpc.clients.echo.shutdown-grace-period=" + TIMEOUT.toSeconds() + "s");

	private final HeldAnswers answers = new HeldAnswers();

	private Server server;

	@BeforeEach
	void startServer() throws Exception {
		this.server = InProcessServerBuilder.forName(SERVER_NAME).directExecutor().addService(this.answers).build();
		this.server.start();
	}

	@AfterEach
	void stopServer() throws InterruptedException {
		this.answers.answer();
		this.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
	}

	@Test
	void callEndingInGracePeriodIsPublishedByMeterRegistryClosedWithItsBean() {
		// A registry closed only when its bean is destroyed, first used while a channel was built, outlives it.
		List<String> published = new CopyOnWriteArrayList<>();
		this.contextRunner.withBean(PublishedMeters.class, () -> new PublishedMeters(published))
			.withConfiguration(AutoConfigurations.of(PushMeterRegistryAutoConfiguration.class))
			.run((context) -> {
				ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
				ListenableFuture<EchoResponse> call = echo(channel);
				this.answers.awaitRequest();
				CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
				// Shutdown has begun, the call is in its grace period: only now does the server answer.
				await().atMost(TIMEOUT).until(channel::isShutdown);
				assertThat(context.getBean(LoggingMeterRegistry.class).isClosed()).isFalse();
				this.answers.answer();
				assertThat(call.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).getMessage()).isEqualTo("held");
				closing.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
				assertThat(published).filteredOn((line) -> line.startsWith("grpc.client.calls{"))
					.singleElement()
					.asString()
					.contains("client=echo")
					.contains("outcome=success_without_retry")
					.contains("delta_count=1 ");
			});
	}

	@Test
	void callInFlightWhenSpringBootsMetricsCloseTheRegistryIsAnsweredAndNotPublished() {
		// Spring Boot's metrics auto-configuration closes every registry on ContextClosedEvent, before any bean is
		// destroyed: availability comes first, the registry publishes what it held then, as for Boot's web metrics.
		List<String> published = new CopyOnWriteArrayList<>();
		this.contextRunner.withBean(PublishedMeters.class, () -> new PublishedMeters(published))
			.withConfiguration(AutoConfigurations.of(springBootMetrics(), PushMeterRegistryAutoConfiguration.class))
			.run((context) -> {
				ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
				LoggingMeterRegistry registry = context.getBean(LoggingMeterRegistry.class);
				ListenableFuture<EchoResponse> call = echo(channel);
				this.answers.awaitRequest();
				CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
				await().atMost(TIMEOUT).until(channel::isShutdown);
				assertThat(registry.isClosed()).isTrue();
				this.answers.answer();
				assertThat(call.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).getMessage()).isEqualTo("held");
				closing.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
				assertThat(published).noneMatch((line) -> line.startsWith("grpc.client.calls{"));
			});
	}

	@Test
	void observationRegistryOutlivesTheChannels() {
		this.contextRunner.withUserConfiguration(ObservedChannelsConfiguration.class).run((context) -> {
			ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
			DestroyedObservationRegistry registry = context.getBean(DestroyedObservationRegistry.class);
			registry.watch(channel);
			context.close();
			assertThat(registry.channelTerminatedWhenDestroyed()).isTrue();
		});
	}

	@Test
	void channelBeanRequestedWhileContextClosesIsShutDown() {
		ChannelRequestedDuringClose requested = new ChannelRequestedDuringClose();
		this.contextRunner.withBean(ChannelRequestedDuringClose.class, () -> requested)
			.withBean("lazyChannel", BeanFactoryPostProcessor.class,
					() -> (beanFactory) -> beanFactory.getBeanDefinition("echoManagedChannel").setLazyInit(true))
			.withBean(RetryChannelBuilderCustomizer.class, () -> (client, builder) -> requested.holdCreation())
			.run((context) -> {
				assertThat(context).hasNotFailed();
				CompletableFuture<ManagedChannel> channel = CompletableFuture
					.supplyAsync(() -> context.getBean("echoManagedChannel", ManagedChannel.class));
				requested.awaitCreationStarted();
				context.close();
				ManagedChannel late = channel.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
				assertThat(requested.createdAfterFactoryClosed()).isTrue();
				assertThat(late.isShutdown()).isTrue();
				assertThat(late.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
				assertThatExceptionOfType(StatusRuntimeException.class)
					.isThrownBy(() -> EchoGrpc.newBlockingStub(late).unaryEcho(request()))
					.extracting((ex) -> ex.getStatus().getCode())
					.isEqualTo(Status.Code.UNAVAILABLE);
				assertThat(this.answers.requests()).isZero();
			});
	}

	// A channel terminates once its streams have closed, possibly before an application executor has run the calls'
	// listeners; a direct executor runs them as the stream closes, and a test that wants them late says so.
	// Spring Boot's metrics auto-configuration, where the Boot line under test keeps it.
	private static Class<?> springBootMetrics() {
		for (String name : List.of("org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration")) {
			if (ClassUtils.isPresent(name, ChannelShutdownTests.class.getClassLoader())) {
				return ClassUtils.resolveClassName(name, ChannelShutdownTests.class.getClassLoader());
			}
		}
		throw new IllegalStateException("Spring Boot's metrics auto-configuration is not on the class path");
	}

	private static ListenableFuture<EchoResponse> echo(ManagedChannel channel) {
		return EchoGrpc.newFutureStub(channel)
			.withExecutor(MoreExecutors.directExecutor())
			.withDeadlineAfter(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
			.unaryEcho(request());
	}

	private static EchoRequest request() {
		return EchoRequest.newBuilder().setMessage("held").build();
	}

	/**
	 * A server that holds every answer until the test releases it.
	 */
	static final class HeldAnswers extends EchoGrpc.EchoImplBase {

		private final CountDownLatch requested = new CountDownLatch(1);

		private final CompletableFuture<Void> answer = new CompletableFuture<>();

		private final AtomicInteger requests = new AtomicInteger();

		@Override
		public void unaryEcho(EchoRequest request, StreamObserver<EchoResponse> responses) {
			this.requests.incrementAndGet();
			this.requested.countDown();
			this.answer.thenRun(() -> {
				responses.onNext(EchoResponse.newBuilder().setMessage(request.getMessage()).build());
				responses.onCompleted();
			});
		}

		void awaitRequest() throws InterruptedException {
			assertThat(this.requested.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}

		void answer() {
			this.answer.complete(null);
		}

		int requests() {
			return this.requests.get();
		}

	}

	/**
	 * A push registry, as Spring Boot configures for OTLP or Datadog: defined after the starter's auto-configuration,
	 * so first created when a channel is built, and closed with the context, when it publishes what it holds.
	 */
	@AutoConfiguration(after = GrpcRetryAutoConfiguration.class)
	static class PushMeterRegistryAutoConfiguration {

		@Bean
		LoggingMeterRegistry meterRegistry(PublishedMeters published) {
			return LoggingMeterRegistry.builder(LoggingRegistryConfig.DEFAULT)
				.loggingSink(published.lines()::add)
				.meterIdPrinter((meter) -> meter.getId().getName() + meter.getId()
					.getTags()
					.stream()
					.map((tag) -> tag.getKey() + "=" + tag.getValue())
					.collect(Collectors.joining(",", "{", "}")))
				.build();
		}

	}

	record PublishedMeters(List<String> lines) {
	}

	/**
	 * An observation registry that a customizer looks up while a channel is built, as a tracing integration may, so
	 * that Spring sees no dependency between the two.
	 */
	@Configuration(proxyBeanMethods = false)
	static class ObservedChannelsConfiguration {

		@Bean
		@Lazy
		DestroyedObservationRegistry observationRegistry() {
			return new DestroyedObservationRegistry();
		}

		@Bean
		RetryChannelBuilderCustomizer observingCustomizer(ObjectProvider<ObservationRegistry> observationRegistry) {
			return (client, builder) -> observationRegistry.getObject();
		}

	}

	/**
	 * Remembers whether a channel had terminated when the context destroyed this registry.
	 */
	static final class DestroyedObservationRegistry implements ObservationRegistry, DisposableBean {

		private final ObservationRegistry delegate = ObservationRegistry.create();

		private volatile ManagedChannel channel;

		private volatile Boolean channelTerminatedWhenDestroyed;

		void watch(ManagedChannel channel) {
			this.channel = channel;
		}

		Boolean channelTerminatedWhenDestroyed() {
			return this.channelTerminatedWhenDestroyed;
		}

		@Override
		public void destroy() {
			this.channelTerminatedWhenDestroyed = this.channel.isTerminated();
		}

		@Override
		public @Nullable Observation getCurrentObservation() {
			return this.delegate.getCurrentObservation();
		}

		@Override
		public Observation.@Nullable Scope getCurrentObservationScope() {
			return this.delegate.getCurrentObservationScope();
		}

		@Override
		public void setCurrentObservationScope(Observation.@Nullable Scope current) {
			this.delegate.setCurrentObservationScope(current);
		}

		@Override
		public ObservationConfig observationConfig() {
			return this.delegate.observationConfig();
		}

	}

	/**
	 * Holds the creation of a lazy channel bean, requested from another thread, until the context has closed the
	 * channel factory, as a request racing the application's shutdown may.
	 */
	static final class ChannelRequestedDuringClose implements DisposableBean {

		private final CountDownLatch creationStarted = new CountDownLatch(1);

		private final CountDownLatch factoryClosed = new CountDownLatch(1);

		private final AtomicBoolean createdAfterFactoryClosed = new AtomicBoolean();

		void holdCreation() {
			this.creationStarted.countDown();
			try {
				this.createdAfterFactoryClosed.set(this.factoryClosed.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		void awaitCreationStarted() throws InterruptedException {
			assertThat(this.creationStarted.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}

		boolean createdAfterFactoryClosed() {
			return this.createdAfterFactoryClosed.get();
		}

		// Created before the channel factory, so destroyed after it.
		@Override
		public void destroy() {
			this.factoryClosed.countDown();
		}

	}

}
