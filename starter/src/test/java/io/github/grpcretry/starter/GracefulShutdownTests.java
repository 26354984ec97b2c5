package io.github.grpcretry.starter;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import static io.github.grpcretry.starter.WebApplications.send;
import static io.github.grpcretry.starter.WebApplications.startEchoServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

/**
 * A rolling deploy as users run it, with the starter, the actuator and a web server shutting down gracefully: every
 * piece of the application that still uses a channel while the context closes gets its answer, and the channel is
 * shut down after them. Run on each Spring Boot line.
 */
class GracefulShutdownTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private Server server;

	@BeforeEach
	void startServer() throws IOException {
		this.server = startEchoServer((request, responses) -> {
			responses.onNext(request);
			responses.onCompleted();
		});
	}

	@AfterEach
	void stopServer() throws InterruptedException {
		this.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
	}

	@Test
	void requestInFlightLifecycleStopAndDependentDestructionAllGetTheirAnswerThenTheChannelShutsDown()
			throws Exception {
		ShutdownSteps steps = new ShutdownSteps();
		ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
			.web(WebApplicationType.SERVLET)
			.initializers((initialized) -> initialized.getBeanFactory().registerSingleton("shutdownSteps", steps))
			.properties("server.port=0", "server.shutdown=graceful",
					"grpc.clients.echo.address=127.0.0.1:" + this.server.getPort(),
					"grpc.clients.echo.negotiation-type=plaintext")
			.run();
		try {
			assertEveryoneAnsweredWhileClosing(context, steps);
		}
		finally {
			context.close();
		}
	}

	private void assertEveryoneAnsweredWhileClosing(ConfigurableApplicationContext context, ShutdownSteps steps)
			throws Exception {
		ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
		CompletableFuture<HttpResponse<String>> inFlight = send(context, "/echo?message=in-flight");
		assertThat(steps.requestArrived.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();

		// The handler calls its channel only once the context has begun closing.
		CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);

		HttpResponse<String> response = inFlight.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		closing.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		assertSoftly((softly) -> {
			softly.assertThat(response.body()).as("the request in flight").isEqualTo("in-flight");
			softly.assertThat(response.statusCode()).isEqualTo(200);
			softly.assertThat(steps.answers)
				.containsExactlyInAnyOrderEntriesOf(
						Map.of("lifecycle stop", "lifecycle stop", "dependent destroy", "dependent destroy"));
			softly.assertThat(channel.isShutdown()).as("shut down once the context closed").isTrue();
		});
		assertThat(channel.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
	}

	private static String call(ManagedChannel channel, String message) {
		try {
			byte[] reply = WebApplications.call(channel, message.getBytes(StandardCharsets.UTF_8), TIMEOUT);
			return new String(reply, StandardCharsets.UTF_8);
		}
		catch (StatusRuntimeException ex) {
			// What the user would see, rather than an error page.
			return ex.getStatus().toString();
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(EchoController.class)
	static class Application {

		@Bean
		ApplicationListener<ContextClosedEvent> releaseRequestOnClose(ShutdownSteps steps) {
			return (event) -> steps.closeBegan.countDown();
		}

		@Bean
		CallingLifecycle callingLifecycle(@Qualifier("echo") ManagedChannel channel, ShutdownSteps steps) {
			return new CallingLifecycle(channel, steps);
		}

		@Bean
		CallingOnDestroy callingOnDestroy(@Qualifier("echo") ManagedChannel channel, ShutdownSteps steps) {
			return new CallingOnDestroy(channel, steps);
		}

	}

	/**
	 * What the application's pieces saw while the context closed.
	 */
	static final class ShutdownSteps {

		final CountDownLatch requestArrived = new CountDownLatch(1);

		final CountDownLatch closeBegan = new CountDownLatch(1);

		final Map<String, String> answers = new ConcurrentHashMap<>();

	}

	/**
	 * A request handler that is in flight when the context begins closing, and calls its channel after that.
	 */
	@RestController
	static class EchoController {

		private final ManagedChannel channel;

		private final ShutdownSteps steps;

		EchoController(@Qualifier("echo") ManagedChannel channel, ShutdownSteps steps) {
			this.channel = channel;
			this.steps = steps;
		}

		@GetMapping("/echo")
		String echo(@RequestParam String message) throws InterruptedException {
			this.steps.requestArrived.countDown();
			if (!this.steps.closeBegan.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
				return "the context never began closing";
			}
			return call(this.channel, message);
		}

	}

	/**
	 * A lifecycle that makes a call when it stops, as a consumer draining its queue does.
	 */
	static final class CallingLifecycle implements SmartLifecycle {

		private final ManagedChannel channel;

		private final ShutdownSteps steps;

		private volatile boolean running;

		CallingLifecycle(ManagedChannel channel, ShutdownSteps steps) {
			this.channel = channel;
			this.steps = steps;
		}

		@Override
		public void start() {
			this.running = true;
		}

		@Override
		public void stop() {
			this.steps.answers.put("lifecycle stop", call(this.channel, "lifecycle stop"));
			this.running = false;
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

	}

	/**
	 * A bean that makes a call when it is destroyed, as one that says goodbye to its backend does.
	 */
	static final class CallingOnDestroy implements DisposableBean {

		private final ManagedChannel channel;

		private final ShutdownSteps steps;

		CallingOnDestroy(ManagedChannel channel, ShutdownSteps steps) {
			this.channel = channel;
			this.steps = steps;
		}

		@Override
		public void destroy() {
			this.steps.answers.put("dependent destroy", call(this.channel, "dependent destroy"));
		}

	}

}
