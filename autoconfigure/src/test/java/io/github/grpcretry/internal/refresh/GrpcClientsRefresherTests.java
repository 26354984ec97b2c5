package io.github.grpcretry.internal.refresh;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.grpcretry.channel.ServiceConfigChangeListener.Result;
import io.github.grpcretry.internal.channel.ClientServiceConfig;
import io.github.grpcretry.internal.channel.GrpcChannelFactory;
import io.github.grpcretry.properties.GrpcClientsProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The refresher on its own, with a binding that takes its time, as one through an application's converter that
 * reads a remote source may: no other event waits for it, and events still apply in the order they read the
 * configuration.
 */
class GrpcClientsRefresherTests {

	private static final String ENTRY = "grpc.clients.echo.method-config[0].";

	private final Map<String, Object> configuration = new ConcurrentHashMap<>();

	private final StandardEnvironment environment = new StandardEnvironment();

	private final AtomicBoolean nextBindingIsSlow = new AtomicBoolean();

	private final CountDownLatch slowBindingRead = new CountDownLatch(1);

	private final CountDownLatch finishSlowBinding = new CountDownLatch(1);

	// A thread for each task: the common pool has one worker on 2 cores, and from Java 25 on CompletableFuture runs
	// there even then, so a second task would wait behind the slow refresh, the very wait these tests rule out.
	private final ExecutorService threads = Executors.newCachedThreadPool();

	private GrpcChannelFactory channels;

	private GrpcClientsRefresher refresher;

	@AfterEach
	void finishBindings() {
		this.finishSlowBinding.countDown();
		this.threads.shutdownNow();
		if (this.channels != null) {
			this.channels.close();
		}
	}

	@Test
	void incidentSwitchDoesNotWaitForARefreshWhoseBindingIsSlow() throws InterruptedException {
		start(4);
		CompletableFuture<Void> slowRefresh = slowRefresh();
		assertThat(CompletableFuture.supplyAsync(() -> this.refresher.switchRetries("echo", true), this.threads))
			.succeedsWithin(Duration.ofSeconds(5))
			.extracting(GrpcClientsRefresher.Outcome::result)
			.isEqualTo(Result.APPLIED);
		assertThat(serviceConfig().state().retriesOff()).isTrue();
		assertThat(CompletableFuture.supplyAsync(() -> this.refresher.switchRetries("echo", false), this.threads))
			.succeedsWithin(Duration.ofSeconds(5))
			.extracting(GrpcClientsRefresher.Outcome::result)
			.isEqualTo(Result.APPLIED);
		assertThat(serviceConfig().state().retriesOff()).isFalse();
		this.finishSlowBinding.countDown();
		assertThat(slowRefresh).succeedsWithin(Duration.ofSeconds(5));
		assertThat(maxAttempts()).isEqualTo(4);
	}

	@Test
	void refreshDoesNotWaitForASlowerOneAndTheSlowerOnesOlderReadingDoesNotWin() throws InterruptedException {
		start(4);
		// The slow refresh reads max-attempts 3, then a later refresh reads 2 and applies it while the slow one is
		// still binding: 2 must stay in effect, as if the slow refresh had applied its 3 first.
		this.configuration.put(ENTRY + "retry-policy.max-attempts", "3");
		CompletableFuture<Void> slowRefresh = slowRefresh();
		this.configuration.put(ENTRY + "retry-policy.max-attempts", "2");
		assertThat(CompletableFuture.runAsync(this.refresher::refresh, this.threads)).succeedsWithin(Duration.ofSeconds(5));
		assertThat(maxAttempts()).isEqualTo(2);
		this.finishSlowBinding.countDown();
		assertThat(slowRefresh).succeedsWithin(Duration.ofSeconds(5));
		assertThat(maxAttempts()).isEqualTo(2);
		assertThat(serviceConfig().configuredProperties().methodConfig().get(0).retryPolicy().maxAttempts())
			.isEqualTo(2);
	}

	private CompletableFuture<Void> slowRefresh() throws InterruptedException {
		this.nextBindingIsSlow.set(true);
		CompletableFuture<Void> refresh = CompletableFuture.runAsync(this.refresher::refresh, this.threads);
		assertThat(this.slowBindingRead.await(10, TimeUnit.SECONDS)).isTrue();
		return refresh;
	}

	private void start(int maxAttempts) {
		this.configuration.put("grpc.clients.echo.address", "localhost:50051");
		this.configuration.put("grpc.clients.echo.negotiation-type", "plaintext");
		this.configuration.put(ENTRY + "name[0].service", "echo.Echo");
		this.configuration.put(ENTRY + "retry-policy.max-attempts", String.valueOf(maxAttempts));
		this.configuration.put(ENTRY + "retry-policy.initial-backoff", "5ms");
		this.configuration.put(ENTRY + "retry-policy.max-backoff", "5ms");
		this.configuration.put(ENTRY + "retry-policy.backoff-multiplier", "1");
		this.configuration.put(ENTRY + "retry-policy.retryable-status-codes", "UNAVAILABLE");
		this.environment.getPropertySources().addFirst(new MapPropertySource("configuration", this.configuration));
		this.channels = new GrpcChannelFactory(bind(), (bundle) -> null, List.of());
		this.refresher = new GrpcClientsRefresher(this.channels, this::binding, List::of, this.environment,
				(bundle) -> false, getClass().getClassLoader(), (client, source, result) -> {
				}, Duration.ofSeconds(2));
	}

	// Reads the configuration, then, when asked to be slow, takes its time before it returns what it read.
	private GrpcClientsProperties binding() {
		GrpcClientsProperties properties = bind();
		if (this.nextBindingIsSlow.compareAndSet(true, false)) {
			this.slowBindingRead.countDown();
			try {
				this.finishSlowBinding.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		return properties;
	}

	private GrpcClientsProperties bind() {
		return Binder.get(this.environment).bind(GrpcClientsProperties.PREFIX, GrpcClientsProperties.class).get();
	}

	private ClientServiceConfig serviceConfig() {
		return this.channels.clientServiceConfig("echo");
	}

	// As the channel is handed it: the service config in effect.
	@SuppressWarnings("unchecked")
	private int maxAttempts() {
		Map<String, ?> methodConfig = ((List<Map<String, ?>>) serviceConfig().state().serviceConfig()
			.get("methodConfig")).get(0);
		return ((Number) ((Map<String, ?>) methodConfig.get("retryPolicy")).get("maxAttempts")).intValue();
	}

}
