package io.github.grpcretry.autoconfigure;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.grpcretry.channel.RetryChannelBuilderCustomizer;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.SelfSignedCertificate;
import io.github.grpcretry.test.ServiceConfigPublishingResolver;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.test.echo.EchoResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The channel beans the starter registers, their lifecycle and their channel settings, each observed through a real
 * grpc-java server.
 */
class GrpcRetryAutoConfigurationTests {

	private static final Duration DEADLINE = Duration.ofSeconds(10);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class));

	@Test
	void channelOfClientIsInjectableWithQualifierOfClientName() {
		this.contextRunner.withPropertyValues("grpc.clients.echo.address=localhost:1")
			.withUserConfiguration(EchoChannelUser.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(EchoChannelUser.class).channel.get())
					.isSameAs(context.getBean("echoManagedChannel"));
			});
	}

	@Test
	void twoClientsGetTwoDistinctChannelBeans() {
		this.contextRunner
			.withPropertyValues("grpc.clients.echo.address=localhost:1", "grpc.clients.other.address=localhost:2")
			.run((context) -> {
				Map<String, ManagedChannel> channels = context.getBeansOfType(ManagedChannel.class);
				assertThat(channels).containsOnlyKeys("echoManagedChannel", "otherManagedChannel");
				assertThat(channels.get("echoManagedChannel")).isNotSameAs(channels.get("otherManagedChannel"));
				assertThat(channels.get("echoManagedChannel").authority()).isEqualTo("localhost:1");
				assertThat(channels.get("otherManagedChannel").authority()).isEqualTo("localhost:2");
			});
	}

	@Test
	void withoutClientsThereIsNoChannelBean() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(ManagedChannel.class);
		});
	}

	@Test
	void userBeanNamedLikeStartersChannelReplacesIt() {
		ManagedChannel userChannel = InProcessChannelBuilder.forName("user-defined").build();
		try {
			this.contextRunner.withPropertyValues("grpc.clients.echo.address=localhost:1")
				.withBean("echoManagedChannel", ManagedChannel.class, () -> userChannel)
				.run((context) -> {
					assertThat(context).hasSingleBean(ManagedChannel.class);
					assertThat(context.getBean("echoManagedChannel")).isSameAs(userChannel);
				});
		}
		finally {
			userChannel.shutdownNow();
		}
	}

	@Test
	void clientWhoseServerIsDownDoesNotStopStartUpAndStaysIdle() throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		this.contextRunner
			.withPropertyValues("grpc.clients.echo.address=127.0.0.1:" + closedPort,
					"grpc.clients.echo.negotiation-type=plaintext")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean("echoManagedChannel", ManagedChannel.class).getState(false))
					.isEqualTo(ConnectivityState.IDLE);
			});
	}

	@Test
	void closingContextShutsEveryChannelDown() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.ok())) {
			AtomicReference<List<ManagedChannel>> channels = new AtomicReference<>();
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext", "grpc.clients.other.address=" + server.address(),
						"grpc.clients.other.negotiation-type=plaintext")
				.run((context) -> {
					channels.set(List.copyOf(context.getBeansOfType(ManagedChannel.class).values()));
					for (ManagedChannel channel : channels.get()) {
						assertThat(echo(channel, "connect").getMessage()).isEqualTo("connect");
						assertThat(channel.isShutdown()).isFalse();
					}
				});
			assertThat(channels.get()).hasSize(2).allSatisfy((channel) -> {
				assertThat(channel.isShutdown()).isTrue();
				assertThat(channel.isTerminated()).isTrue();
			});
		}
	}

	@Test
	void closingContextWaitsForCallInFlightWithinGracePeriod() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.okAfter(Duration.ofMillis(500)))) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext", "grpc.clients.echo.shutdown-grace-period=5s")
				.run((context) -> {
					ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
					AtomicReference<Long> closeStartedNanos = new AtomicReference<>();
					CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
						await().atMost(Duration.ofSeconds(5))
							.pollInterval(Duration.ofMillis(5))
							.until(() -> server.requestCount() == 1);
						closeStartedNanos.set(System.nanoTime());
						context.close();
					});
					EchoResponse response = echo(channel, "slow");
					long answeredNanos = System.nanoTime();
					closing.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
					assertThat(response.getMessage()).isEqualTo("slow");
					assertThat(closeStartedNanos.get()).isLessThan(answeredNanos);
					assertThat(channel.isTerminated()).isTrue();
				});
		}
	}

	@Test
	void closingContextCancelsCallStillInFlightAfterGracePeriod() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.okAfter(Duration.ofSeconds(2)))) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext", "grpc.clients.echo.shutdown-grace-period=50ms")
				.run((context) -> {
					ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
					CompletableFuture<Long> closing = CompletableFuture.supplyAsync(() -> {
						await().atMost(Duration.ofSeconds(5))
							.pollInterval(Duration.ofMillis(5))
							.until(() -> server.requestCount() == 1);
						long start = System.nanoTime();
						context.close();
						return System.nanoTime() - start;
					});
					assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> echo(channel, "slow"))
						.extracting((ex) -> ex.getStatus().getCode())
						.isIn(Status.Code.CANCELLED, Status.Code.UNAVAILABLE);
					assertThat(Duration.ofNanos(closing.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)))
						.isLessThan(Duration.ofSeconds(1));
					assertThat(channel.isShutdown()).isTrue();
				});
		}
	}

	@Test
	void customizerIsCalledForEachClientWithItsName() {
		List<String> customized = new CopyOnWriteArrayList<>();
		this.contextRunner
			.withPropertyValues("grpc.clients.echo.address=localhost:1", "grpc.clients.other.address=localhost:2")
			.withBean(RetryChannelBuilderCustomizer.class, () -> (client, builder) -> customized.add(client))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(customized).containsExactlyInAnyOrder("echo", "other");
			});
	}

	@Test
	void interceptorAddedByCustomizerSeesCalls() {
		List<String> intercepted = new CopyOnWriteArrayList<>();
		ClientInterceptor recorder = new ClientInterceptor() {
			@Override
			public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
					CallOptions callOptions, Channel next) {
				intercepted.add(method.getFullMethodName());
				return next.newCall(method, callOptions);
			}
		};
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.ok())) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext")
				.withBean(RetryChannelBuilderCustomizer.class,
						() -> (client, builder) -> builder.intercept(recorder))
				.run((context) -> {
					echo(context.getBean("echoManagedChannel", ManagedChannel.class), "hi");
					assertThat(intercepted).containsExactly("echo.Echo/UnaryEcho");
				});
		}
	}

	@Test
	void withoutMeterRegistryChannelsWorkAndNoMeterIsRegistered() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.ok())) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext")
				.run((context) -> {
					assertThat(echo(context.getBean("echoManagedChannel", ManagedChannel.class), "hi").getMessage())
						.isEqualTo("hi");
					assertThat(context).doesNotHaveBean(MeterRegistry.class);
					assertThat(Metrics.globalRegistry.getMeters())
						.noneMatch((meter) -> meter.getId().getName().startsWith("grpc.client"));
				});
		}
	}

	@Test
	void withoutMicrometerOnClassPathChannelsWork() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.ok())) {
			this.contextRunner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					assertThat(echo(context.getBean("echoManagedChannel", ManagedChannel.class), "hi").getMessage())
						.isEqualTo("hi");
				});
		}
	}

	@Test
	void withMeterRegistryCallsAreCounted() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.ok())) {
			this.contextRunner.withBean(SimpleMeterRegistry.class)
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext")
				.run((context) -> {
					echo(context.getBean("echoManagedChannel", ManagedChannel.class), "hi");
					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					assertThat(meters.attempts("client", "echo", "kind", "initial", "status", "OK")).isEqualTo(1);
					assertThat(meters.calls("client", "echo", "outcome", "success_without_retry")).isEqualTo(1);
				});
		}
	}

	@Test
	void inProcessAddressReachesInProcessServer() {
		try (EchoTestServer server = EchoTestServer.inProcess("auto-configuration-tests", (n) -> Answer.ok())) {
			this.contextRunner.withPropertyValues("grpc.clients.echo.address=in-process:auto-configuration-tests")
				.run((context) -> {
					assertThat(echo(context.getBean("echoManagedChannel", ManagedChannel.class), "hi").getMessage())
						.isEqualTo("hi");
					assertThat(server.requestCount()).isEqualTo(1);
				});
		}
	}

	@Test
	void inProcessClientRetriesAsConfigured() {
		try (EchoTestServer server = EchoTestServer.inProcess("auto-configuration-tests-retry",
				EchoTestServer.failAllButEvery(3))) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=in-process:auto-configuration-tests-retry",
						"grpc.clients.echo.method-config[0].name[0].service=echo.Echo",
						"grpc.clients.echo.method-config[0].retry-policy.max-attempts=3",
						"grpc.clients.echo.method-config[0].retry-policy.initial-backoff=10ms",
						"grpc.clients.echo.method-config[0].retry-policy.max-backoff=10ms",
						"grpc.clients.echo.method-config[0].retry-policy.backoff-multiplier=1",
						"grpc.clients.echo.method-config[0].retry-policy.retryable-status-codes=unavailable")
				.run((context) -> {
					assertThat(echo(context.getBean("echoManagedChannel", ManagedChannel.class), "hi").getMessage())
						.isEqualTo("hi");
					assertThat(server.requestCount()).isEqualTo(3);
				});
		}
	}

	@Test
	void negotiationTypeIsTlsByDefaultSoPlaintextServerIsUnreachable() {
		try (EchoTestServer server = EchoTestServer.onLoopback((n) -> Answer.ok())) {
			this.contextRunner.withPropertyValues("grpc.clients.echo.address=" + server.address())
				.run((context) -> {
					ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
					assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> echo(channel, "hi"))
						.extracting((ex) -> ex.getStatus().getCode())
						.isEqualTo(Status.Code.UNAVAILABLE);
					assertThat(server.requestCount()).isZero();
				});
		}
	}

	@Test
	void plaintextNegotiationReachesPlaintextServer() {
		try (EchoTestServer server = EchoTestServer.onLoopback((n) -> Answer.ok())) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext")
				.run((context) -> {
					assertThat(echo(context.getBean("echoManagedChannel", ManagedChannel.class), "hi").getMessage())
						.isEqualTo("hi");
					assertThat(server.requestCount()).isEqualTo(1);
				});
		}
	}

	@Test
	void tlsTrustsCertificateOfSslBundle() throws Exception {
		Server server = startEchoServer(SelfSignedCertificate.shared().serverCredentials());
		try {
			this.contextRunner
				.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, GrpcRetryAutoConfiguration.class))
				.withPropertyValues("spring.ssl.bundle.pem.echo-trust.truststore.certificate=file:"
						+ SelfSignedCertificate.shared().certificate(), "grpc.clients.echo.address=127.0.0.1:" + server.getPort(),
						"grpc.clients.echo.ssl.bundle=echo-trust")
				.run((context) -> assertThat(
						echo(context.getBean("echoManagedChannel", ManagedChannel.class), "secure").getMessage())
					.isEqualTo("secure"));
		}
		finally {
			server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	@Test
	void tlsWithoutSslBundleDoesNotTrustSelfSignedCertificate() throws Exception {
		Server server = startEchoServer(SelfSignedCertificate.shared().serverCredentials());
		try {
			this.contextRunner.withPropertyValues("grpc.clients.echo.address=127.0.0.1:" + server.getPort())
				.run((context) -> {
					ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
					assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> echo(channel, "secure"))
						.extracting((ex) -> ex.getStatus().getCode())
						.isEqualTo(Status.Code.UNAVAILABLE);
				});
		}
		finally {
			server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	@Test
	void maxInboundMessageSizeRejectsLargerResponse() {
		try (EchoTestServer server = EchoTestServer.onLoopback((n) -> Answer.ok())) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext", "grpc.clients.echo.max-inbound-message-size=1KB")
				.run((context) -> {
					ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
					assertThat(echo(channel, "a".repeat(512)).getMessage()).hasSize(512);
					assertThatExceptionOfType(StatusRuntimeException.class)
						.isThrownBy(() -> echo(channel, "a".repeat(2048)))
						.extracting((ex) -> ex.getStatus().getCode())
						.isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
				});
		}
	}

	@Test
	void userAgentIsSentToServer() throws Exception {
		Metadata.Key<String> userAgentKey = Metadata.Key.of("user-agent", Metadata.ASCII_STRING_MARSHALLER);
		List<String> userAgents = new CopyOnWriteArrayList<>();
		ServerInterceptor recorder = new ServerInterceptor() {
			@Override
			public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
					ServerCallHandler<ReqT, RespT> next) {
				userAgents.add(headers.get(userAgentKey));
				return next.startCall(call, headers);
			}
		};
		Server server = startEchoServer(InsecureServerCredentials.create(), recorder);
		try {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=127.0.0.1:" + server.getPort(),
						"grpc.clients.echo.negotiation-type=plaintext", "grpc.clients.echo.user-agent=echo-app/1.2")
				.run((context) -> {
					echo(context.getBean("echoManagedChannel", ManagedChannel.class), "hi");
					assertThat(userAgents).singleElement().asString().startsWith("echo-app/1.2 grpc-java");
				});
		}
		finally {
			server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	@Test
	void idleTimeoutLetsConnectedChannelGoIdle() {
		try (EchoTestServer server = EchoTestServer.onLoopback((n) -> Answer.ok())) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + server.address(),
						"grpc.clients.echo.negotiation-type=plaintext", "grpc.clients.echo.idle-timeout=1s",
						// A channel that went idle terminates only after grpc-java's 5s delayed subchannel shutdown.
						"grpc.clients.echo.shutdown-grace-period=100ms")
				.run((context) -> {
					ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
					echo(channel, "hi");
					assertThat(channel.getState(false)).isEqualTo(ConnectivityState.READY);
					// grpc-java's shortest idle timeout is 1s; its default is 30 minutes.
					await().atMost(Duration.ofSeconds(5))
						.pollInterval(Duration.ofMillis(5))
						.until(() -> channel.getState(false) == ConnectivityState.IDLE);
				});
		}
	}

	@Test
	void serviceConfigFromNameResolverIsIgnoredByDefault() {
		try (EchoTestServer server = EchoTestServer.onLoopback((n) -> Answer.fail(Status.Code.UNAVAILABLE))) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + ServiceConfigPublishingResolver.target(server),
						"grpc.clients.echo.negotiation-type=plaintext")
				.run((context) -> {
					ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
					assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> echo(channel, "hi"));
					assertThat(server.requestCount()).isEqualTo(1);
				});
		}
	}

	@Test
	void serviceConfigFromNameResolverIsUsedWhenLookupIsOn() {
		try (EchoTestServer server = EchoTestServer.onLoopback((n) -> Answer.fail(Status.Code.UNAVAILABLE))) {
			this.contextRunner
				.withPropertyValues("grpc.clients.echo.address=" + ServiceConfigPublishingResolver.target(server),
						"grpc.clients.echo.negotiation-type=plaintext", "grpc.clients.echo.service-config-lookup=true")
				.run((context) -> {
					ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
					assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> echo(channel, "hi"));
					assertThat(server.requestCount()).isEqualTo(ServiceConfigPublishingResolver.MAX_ATTEMPTS);
				});
		}
	}

	private static EchoResponse echo(ManagedChannel channel, String message) {
		return EchoGrpc.newBlockingStub(channel)
			.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
			.unaryEcho(EchoRequest.newBuilder().setMessage(message).build());
	}

	private static Server startEchoServer(ServerCredentials credentials, ServerInterceptor... interceptors)
			throws IOException {
		EchoGrpc.EchoImplBase echo = new EchoGrpc.EchoImplBase() {
			@Override
			public void unaryEcho(EchoRequest request, StreamObserver<EchoResponse> responses) {
				responses.onNext(EchoResponse.newBuilder().setMessage(request.getMessage()).build());
				responses.onCompleted();
			}
		};
		return Grpc.newServerBuilderForPort(0, credentials)
			.addService(ServerInterceptors.intercept(echo, interceptors))
			.build()
			.start();
	}

	@Configuration(proxyBeanMethods = false)
	static class EchoChannelUser {

		final AtomicReference<ManagedChannel> channel = new AtomicReference<>();

		@Bean
		String echoChannelUser(@Qualifier("echo") ManagedChannel channel) {
			this.channel.set(channel);
			return "uses the echo channel";
		}

	}

}
