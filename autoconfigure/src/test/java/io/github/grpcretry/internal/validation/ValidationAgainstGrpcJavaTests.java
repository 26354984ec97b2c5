package io.github.grpcretry.internal.validation;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.channel.RetryChannelBuilderCustomizer;
import io.github.grpcretry.test.StartupFailures;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.test.echo.EchoResponse;
import io.github.grpcretry.validation.InvalidGrpcClientPropertiesException;
import io.github.grpcretry.validation.Violation;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A seeded property-based test of validation against grpc-java. Thousands of random client configurations, written
 * as strings the way users write them, go through the starter's real path: Spring Boot binding, validation and the
 * auto-configuration. Each is either rejected with a start-up failure that names a property the configuration
 * wrote (or a required one it left out), or accepted: then grpc-java must build its channel, and calls against an
 * always-failing in-process server must make, counted at the server, exactly the attempts that gRFC A6 predicts from
 * the policy and retry throttling on the exact decimal values written. A disagreement means that validation accepts
 * something grpc-java changes, or the prediction is wrong; either way the test prints the seed and the
 * configuration.
 * <p>
 * Retry backoffs and hedging delays, up to 292 years, take no time ({@link InstantRetryTimers}); deadlines are real,
 * so the timeouts written are either invalid or far longer than a call. The seed and the number of configurations
 * can be set with {@code -Dgrpcretry.validation.seed=} and {@code -Dgrpcretry.validation.configurations=}.
 */
class ValidationAgainstGrpcJavaTests {

	private static final long SEED = Long.getLong("grpcretry.validation.seed", 20_261_121L);

	private static final int CONFIGURATIONS = Integer.getInteger("grpcretry.validation.configurations", 3000);

	// Clients per application context: validation is per client, so a batch fails for exactly its invalid clients.
	private static final int BATCH = 50;

	// A call that would go on longer (max-attempts 2147483647, no throttling) is checked to this many attempts.
	private static final int ATTEMPT_BUDGET = 64;

	// Successful calls between two failing ones, so that the token ratio shows in the second one's attempts.
	private static final int SUCCESSES = 200;

	private static final Duration STALL = Duration.ofSeconds(20);

	private static final Pattern CLIENT = Pattern.compile("^grpc\\.clients\\.c(\\d+)\\.");

	private static final String CONTEXT_LOGGER = "org.springframework.context";

	private static final EchoRequest REQUEST = EchoRequest.getDefaultInstance();

	private static final String SERVER_NAME = "validation-" + UUID.randomUUID();

	private static Server server;

	private static volatile Status.Code answer = Status.Code.UNAVAILABLE;

	private static final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();

	private static ScheduledThreadPoolExecutor realTimers;

	private final Map<String, TestChannel> channels = new ConcurrentHashMap<>();

	private final Statistics statistics = new Statistics();

	private final List<String> disagreements = new ArrayList<>();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withBean(RetryChannelBuilderCustomizer.class,
				() -> (client, builder) -> this.channels.get(client)
					.customize(RetryChannelBuilderCustomizer.transportBuilder(builder, InProcessChannelBuilder.class)));

	@BeforeAll
	static void startServer() throws IOException {
		// Hundreds of application contexts fail on purpose: their warnings would bury the statistics.
		LoggingSystem.get(ValidationAgainstGrpcJavaTests.class.getClassLoader())
			.setLogLevel(CONTEXT_LOGGER, LogLevel.ERROR);
		realTimers = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "validation-real-timers");
			thread.setDaemon(true);
			return thread;
		});
		realTimers.setRemoveOnCancelPolicy(true);
		server = InProcessServerBuilder.forName(SERVER_NAME).directExecutor().addService(new Echo()).build().start();
	}

	@AfterAll
	static void stopServer() {
		LoggingSystem.get(ValidationAgainstGrpcJavaTests.class.getClassLoader()).setLogLevel(CONTEXT_LOGGER, null);
		server.shutdownNow();
		realTimers.shutdownNow();
	}

	@Test
	void everyConfigurationIsRejectedNamingAPropertyOrMakesTheAttemptsGrpcA6Predicts() {
		Random random = new Random(SEED);
		List<Case> batch = new ArrayList<>();
		long start = System.nanoTime();
		for (int i = 0; i < CONFIGURATIONS; i++) {
			batch.add(new Case(i, RandomClientConfiguration.draw(random, "in-process:" + SERVER_NAME)));
			if (batch.size() == BATCH || i == CONFIGURATIONS - 1) {
				run(batch);
				batch.clear();
			}
		}
		this.statistics.print(Duration.ofNanos(System.nanoTime() - start));
		assertThat(this.statistics.rejected + this.statistics.accepted).isEqualTo(CONFIGURATIONS);
		assertThat(this.disagreements).as("disagreements with grpc-java (seed %d)", SEED).isEmpty();
	}

	private void run(List<Case> batch) {
		List<Case> pending = new ArrayList<>(batch);
		while (!pending.isEmpty()) {
			Throwable failure = startAndCall(pending);
			if (failure == null) {
				return;
			}
			InvalidGrpcClientPropertiesException invalid = cause(failure, InvalidGrpcClientPropertiesException.class);
			BindException binding = cause(failure, BindException.class);
			if (invalid != null) {
				Map<Integer, List<Violation>> byClient = new HashMap<>();
				for (Violation violation : invalid.getViolations()) {
					byClient.computeIfAbsent(clientIndex(violation.property()), (index) -> new ArrayList<>())
						.add(violation);
				}
				FailureAnalysis analysis = StartupFailures.analysis(failure);
				pending.removeIf((c) -> byClient.containsKey(c.index()) && rejected(c, byClient.get(c.index()),
						analysis.getDescription()));
				assertThat(byClient.keySet()).as("violations name pending clients")
					.allMatch((index) -> index >= 0 && batch.stream().anyMatch((c) -> c.index() == index));
			}
			else if (binding != null && clientIndex(binding.getName().toString()) >= 0) {
				int index = clientIndex(binding.getName().toString());
				pending.removeIf((c) -> c.index() == index && rejectedByBinding(c, binding));
			}
			else if (pending.size() > 1) {
				// Not a report of ours: find the clients it comes from, one by one.
				pending.forEach((c) -> run(List.of(c)));
				return;
			}
			else {
				disagree(pending.get(0), "accepted, but the application failed to start: " + failure);
				this.statistics.accepted++;
				return;
			}
		}
	}

	private Throwable startAndCall(List<Case> cases) {
		Map<String, Object> properties = new LinkedHashMap<>();
		for (Case c : cases) {
			this.channels.put(c.name(), new TestChannel());
			c.configuration().properties().forEach((key, value) -> properties.put(c.prefix() + key, value));
		}
		Throwable[] failure = new Throwable[1];
		this.contextRunner
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("random-configurations", properties)))
			.run((context) -> {
				failure[0] = context.getStartupFailure();
				if (failure[0] == null) {
					for (Case c : cases) {
						this.statistics.accepted++;
						call(c, context.getBean(c.name() + "ManagedChannel", ManagedChannel.class));
					}
				}
			});
		cases.forEach((c) -> this.channels.remove(c.name()));
		return failure[0];
	}

	private boolean rejected(Case c, List<Violation> violations, String report) {
		this.statistics.rejected++;
		for (Violation violation : violations) {
			this.statistics.rejectedFor(violation.property().substring(c.prefix().length()));
			if (!report.contains("Property: " + violation.property())) {
				disagree(c, "the failure report does not name " + violation.property());
			}
			if (violation.value() != null && !written(c, violation.property())) {
				disagree(c, "rejected naming " + violation.property() + ", which the configuration does not set");
			}
		}
		return true;
	}

	private boolean rejectedByBinding(Case c, BindException binding) {
		this.statistics.rejected++;
		String property = binding.getName().toString();
		this.statistics.rejectedFor("(binding) " + property.substring(c.prefix().length()));
		if (!written(c, property)) {
			disagree(c, "binding failed on " + property + ", which the configuration does not set");
		}
		return true;
	}

	private void call(Case c, ManagedChannel channel) {
		TestChannel test = this.channels.get(c.name());
		A6Prediction prediction = new A6Prediction(c.configuration());
		try {
			callAsPredicted(c, test, channel, prediction);
		}
		catch (AssertionError ex) {
			disagree(c, ex.getMessage());
			channel.shutdownNow();
		}
	}

	private void callAsPredicted(Case c, TestChannel test, ManagedChannel channel, A6Prediction prediction) {
		RandomClientConfiguration configuration = c.configuration();
		test.connect(channel);
		if (!failingCall(c, test, channel, prediction)) {
			return;
		}
		// Successes give tokens back: only with throttling, and with response headers the channel accepts.
		if (configuration.maxTokens() == null
				|| "1".equals(configuration.properties().get("max-inbound-metadata-size"))) {
			return;
		}
		int successes = prediction.successesJustAboveAThreshold(SUCCESSES);
		for (int k = 0; k < successes; k++) {
			Attempts success = test.call(channel, EchoGrpc.getOtherEchoMethod(), Status.Code.OK);
			prediction.successfulCall();
			this.statistics.called(success);
			if (success.count() != 1 || success.status() != Status.Code.OK) {
				disagree(c, "successful call " + k + " made " + success + ", expected 1 attempt, OK");
				return;
			}
		}
		failingCall(c, test, channel, prediction);
	}

	private boolean failingCall(Case c, TestChannel test, ManagedChannel channel, A6Prediction prediction) {
		Status.Code code = c.configuration().failWith();
		long expected = prediction.failingCall("UnaryEcho", code);
		Attempts attempts = test.call(channel, EchoGrpc.getUnaryEchoMethod(), code);
		this.statistics.called(attempts);
		boolean agrees = (expected > ATTEMPT_BUDGET) ? attempts.budgetReached() && attempts.count() == ATTEMPT_BUDGET
				: !attempts.budgetReached() && attempts.count() == expected && attempts.status() == code;
		if (!agrees) {
			disagree(c, "failing call (" + code + ") made " + attempts + ", gRFC A6 predicts " + expected
					+ " attempts, tokens left " + prediction.tokens());
		}
		return agrees && !attempts.budgetReached();
	}

	private void disagree(Case c, String disagreement) {
		String entry = "seed " + SEED + ", configuration " + c.index() + ": " + disagreement + "\n    "
				+ new TreeMap<>(c.configuration().properties()) + ", server answers " + c.configuration().failWith();
		System.out.println("DISAGREEMENT " + entry);
		this.disagreements.add(entry);
	}

	private static boolean written(Case c, String property) {
		if (!property.startsWith(c.prefix())) {
			return false;
		}
		String relative = property.substring(c.prefix().length());
		return c.configuration()
			.properties()
			.keySet()
			.stream()
			.anyMatch((key) -> relative.equals(key) || relative.startsWith(key + "[")
					|| key.startsWith(relative + ".") || key.startsWith(relative + "["));
	}

	private static int clientIndex(String property) {
		Matcher matcher = CLIENT.matcher(property);
		return matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
	}

	private static <T extends Throwable> T cause(Throwable failure, Class<T> type) {
		for (Throwable candidate = failure; candidate != null; candidate = candidate.getCause()) {
			if (type.isInstance(candidate)) {
				return type.cast(candidate);
			}
		}
		return null;
	}

	private record Case(int index, RandomClientConfiguration configuration) {

		String name() {
			return "c" + this.index;
		}

		String prefix() {
			return "grpc.clients." + name() + ".";
		}

	}

	/**
	 * The attempts of one call, counted at the server.
	 *
	 * @param count attempts the server received
	 * @param status the call's status
	 * @param budgetReached whether the test stopped the call after {@link #ATTEMPT_BUDGET} attempts, with another one
	 * waiting
	 */
	private record Attempts(long count, Status.Code status, boolean budgetReached) {

		@Override
		public String toString() {
			return this.count + " attempt(s), " + this.status + (this.budgetReached ? " (budget reached)" : "");
		}

	}

	/**
	 * What the test adds to one client's channel: instant retry timers, a direct executor so that every attempt is
	 * answered before the call returns control, and a count of the attempts in flight.
	 */
	private static final class TestChannel {

		private final Object signal = new Object();

		private final InstantRetryTimers timers = new InstantRetryTimers(realTimers, this.signal);

		private final ClientStreamTracer.Factory attemptTracers = new ClientStreamTracer.Factory() {

			@Override
			public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
				return new AttemptTracer();
			}

		};

		private int attemptsInFlight;

		void customize(InProcessChannelBuilder builder) {
			builder.scheduledExecutorService(this.timers).directExecutor().intercept(new ClientInterceptor() {

				@Override
				public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
						CallOptions callOptions, Channel next) {
					return next.newCall(method, callOptions.withStreamTracerFactory(TestChannel.this.attemptTracers));
				}

			});
		}

		void connect(ManagedChannel channel) {
			long deadline = System.nanoTime() + STALL.toNanos();
			ConnectivityState state;
			while ((state = channel.getState(true)) != ConnectivityState.READY) {
				CountDownLatch changed = new CountDownLatch(1);
				channel.notifyWhenStateChanged(state, changed::countDown);
				try {
					if (!changed.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
						throw new AssertionError("Waited " + STALL + " for the channel to connect, still " + state);
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new AssertionError(ex);
				}
			}
		}

		Attempts call(ManagedChannel channel, MethodDescriptor<EchoRequest, EchoResponse> method, Status.Code code) {
			answer = code;
			AtomicInteger count = received.computeIfAbsent(method.getFullMethodName(), (name) -> new AtomicInteger());
			int before = count.get();
			Status[] status = new Status[1];
			ClientCall<EchoRequest, EchoResponse> call = channel.newCall(method, CallOptions.DEFAULT);
			call.start(new ClientCall.Listener<>() {

				@Override
				public void onClose(Status closed, Metadata trailers) {
					synchronized (TestChannel.this.signal) {
						status[0] = closed;
						TestChannel.this.signal.notifyAll();
					}
				}

			}, new Metadata());
			call.request(1);
			call.sendMessage(REQUEST);
			call.halfClose();
			long deadline = System.nanoTime() + STALL.toNanos();
			boolean budgetReached = false;
			while (true) {
				synchronized (this.signal) {
					// A backoff or hedging delay ends only after every attempt in flight has been answered.
					while (status[0] == null && (this.attemptsInFlight > 0 || !this.timers.hasPending())) {
						await(deadline, "the call to end or wait for a retry (" + (count.get() - before)
								+ " attempts received, " + this.attemptsInFlight + " in flight)");
					}
				}
				if (status[0] != null) {
					break;
				}
				if (count.get() - before >= ATTEMPT_BUDGET) {
					budgetReached = true;
					call.cancel("attempt budget of the test reached", null);
				}
				else {
					this.timers.runNext();
				}
			}
			return new Attempts(count.get() - before, status[0].getCode(), budgetReached);
		}

		private void signal() {
			synchronized (this.signal) {
				this.signal.notifyAll();
			}
		}

		private void await(long deadline, String what) {
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				throw new AssertionError("Waited " + STALL + " for " + what);
			}
			try {
				TimeUnit.NANOSECONDS.timedWait(this.signal, remaining);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new AssertionError(ex);
			}
		}

		/**
		 * Counts an attempt in flight from the moment it sends its headers until it closes.
		 */
		private final class AttemptTracer extends ClientStreamTracer {

			private boolean started;

			// A retry's stream is created before its backoff; it is in flight once its headers are sent.
			@Override
			public void outboundHeaders() {
				synchronized (TestChannel.this.signal) {
					this.started = true;
					TestChannel.this.attemptsInFlight++;
				}
			}

			@Override
			public void streamClosed(Status status) {
				synchronized (TestChannel.this.signal) {
					if (this.started) {
						TestChannel.this.attemptsInFlight--;
						TestChannel.this.signal.notifyAll();
					}
				}
			}

		}

	}

	/**
	 * The always-failing server: {@code UnaryEcho} answers every request with the code of the call under test,
	 * {@code OtherEcho} answers OK, and each counts what it received.
	 */
	private static final class Echo extends EchoGrpc.EchoImplBase {

		@Override
		public void unaryEcho(EchoRequest request, StreamObserver<EchoResponse> responses) {
			received.computeIfAbsent(EchoGrpc.getUnaryEchoMethod().getFullMethodName(), (name) -> new AtomicInteger())
				.incrementAndGet();
			responses.onError(Status.fromCode(answer).asException());
		}

		@Override
		public void otherEcho(EchoRequest request, StreamObserver<EchoResponse> responses) {
			received.computeIfAbsent(EchoGrpc.getOtherEchoMethod().getFullMethodName(), (name) -> new AtomicInteger())
				.incrementAndGet();
			responses.onNext(EchoResponse.getDefaultInstance());
			responses.onCompleted();
		}

	}

	/**
	 * What the test did, printed for the record.
	 */
	private static final class Statistics {

		private int rejected;

		private int accepted;

		private long calls;

		private long attempts;

		private long budgetReached;

		private final Map<String, Integer> rejections = new TreeMap<>();

		void rejectedFor(String property) {
			this.rejections.merge(property.replaceAll("\\[\\d+]", "[]"), 1, Integer::sum);
		}

		void called(Attempts attempts) {
			this.calls++;
			this.attempts += attempts.count();
			if (attempts.budgetReached()) {
				this.budgetReached++;
			}
		}

		void print(Duration took) {
			StringBuilder out = new StringBuilder();
			out.append(String.format("%nValidation against grpc-java: seed %d, %d configurations in %.1f s%n", SEED,
					CONFIGURATIONS, took.toMillis() / 1000.0));
			out.append(String.format("  rejected %d, accepted %d (channel built by grpc-java and called)%n",
					this.rejected, this.accepted));
			out.append(String.format("  calls %d, attempts counted at the server %d, calls stopped at the %d-attempt"
					+ " budget %d%n", this.calls, this.attempts, ATTEMPT_BUDGET, this.budgetReached));
			out.append("  properties named by rejections:\n");
			this.rejections.forEach((property, count) -> out.append(String.format("    %5d  %s%n", count, property)));
			System.out.print(out);
		}

	}

}
