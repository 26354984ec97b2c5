package io.github.grpcretry.sample;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.grpcretry.sample.echo.EchoGrpc;
import io.github.grpcretry.sample.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;

/**
 * Makes the sample's calls through a channel configured only in {@code application.yml}, prints each reply with
 * the requests the server received for it and why the call made no more attempts, then the attempt metrics.
 */
class EchoCalls implements ApplicationRunner {

	private final SampleProperties properties;

	private final ManagedChannel retrying;

	private final ManagedChannel hedging;

	private final FailingEchoServer server;

	private final AttemptMetricsReport report;

	private final RetryStopHandler retryStops;

	private final PrintStream out;

	// The web server's address, known once it has started.
	private final Supplier<String> managementUrl;

	EchoCalls(SampleProperties properties, @Qualifier("echo") ManagedChannel retrying,
			@Qualifier("echo-hedging") ManagedChannel hedging, FailingEchoServer server, AttemptMetricsReport report,
			RetryStopHandler retryStops, PrintStream out, Supplier<String> managementUrl) {
		this.properties = properties;
		this.retrying = retrying;
		this.hedging = hedging;
		this.server = server;
		this.report = report;
		this.retryStops = retryStops;
		this.out = out;
		this.managementUrl = managementUrl;
	}

	private String switchUrl() {
		return this.managementUrl.get() + "/actuator/grpcclients/echo";
	}

	@Override
	public void run(ApplicationArguments args) throws InterruptedException {
		boolean hedgingMode = this.properties.mode() == SampleProperties.Mode.HEDGING;
		boolean liveMode = this.properties.mode() == SampleProperties.Mode.LIVE;
		String client = hedgingMode ? "echo-hedging" : "echo";
		this.out.printf("Calling echo.Echo/UnaryEcho %d times through client '%s' (%s)%n", this.properties.calls(),
				client, hedgingMode
						? "hedging: the server answers a first attempt after "
								+ this.properties.slowFirstAttempt().toMillis() + " ms"
						: "retry: the server fails all but every " + this.properties.succeedEvery()
								+ "th request with " + this.properties.failWith());
		if (liveMode) {
			this.out.printf("One call every %d ms. Turn the retries off, and back, in another terminal:%n"
					+ "  curl -X POST -H 'Content-Type: application/json' -d '{\"retries\":\"off\"}' %s%n"
					+ "  curl -X POST -H 'Content-Type: application/json' -d '{\"retries\":\"configured\"}' %s%n",
					this.properties.pause().toMillis(), switchUrl(), switchUrl());
		}
		EchoGrpc.EchoBlockingStub echo = EchoGrpc.newBlockingStub(hedgingMode ? this.hedging : this.retrying);
		for (int i = 1; i <= this.properties.calls(); i++) {
			String message = "hello " + i;
			int before = this.server.requestCount();
			long start = System.nanoTime();
			String result;
			try {
				result = "reply \"" + echo.withDeadlineAfter(10, TimeUnit.SECONDS)
					.unaryEcho(EchoRequest.newBuilder().setMessage(message).build())
					.getMessage() + "\"";
			}
			catch (StatusRuntimeException ex) {
				result = "FAILED " + ex.getStatus().getCode();
			}
			long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			String retryStop = this.retryStops.takeLast();
			this.out.printf("  call %2d: %-22s in %4d ms, server received %d request(s), retry_stop=%s%n", i, result,
					millis, this.server.requestCount() - before, (retryStop != null) ? retryStop : "(not observed)");
			if (liveMode && i < this.properties.calls()) {
				Thread.sleep(this.properties.pause().toMillis());
			}
		}
		this.out.println();
		this.report.print(client, this.out);
	}

}
