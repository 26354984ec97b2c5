package io.github.grpcretry.internal.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.github.grpcretry.actuate.ClientFigures;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Which method config governed each call, by grpc-java's own matching, proved against a grpc-java channel whose
 * default service config is the one the interceptor is told: the server sees the attempts the governing entry allows.
 */
class CallGovernanceTests {

	private final List<LogRecord> logged = new CopyOnWriteArrayList<>();

	private final Logger log = Logger.getLogger(AttemptMetricsInterceptor.class.getName());

	private final Handler capture = new Handler() {

		@Override
		public void publish(LogRecord record) {
			if (record.getLevel() == Level.WARNING) {
				CallGovernanceTests.this.logged.add(record);
			}
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

	};

	private final EchoTestServer server = EchoTestServer.inProcess(EchoTestServer.always(Answer.fail(
			Status.Code.UNAVAILABLE)));

	private ManagedChannel channel;

	private AttemptMetricsInterceptor interceptor;

	CallGovernanceTests() {
		this.log.addHandler(this.capture);
	}

	@AfterEach
	void close() throws InterruptedException {
		this.log.removeHandler(this.capture);
		if (this.channel != null) {
			this.channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
		this.server.close();
	}

	@Test
	void theMethodsEntryWinsOverItsServicesWhichWinsOverTheDefault() {
		start(Map.of("methodConfig", List.of(entry(List.of(Map.of("service", "echo.Echo")), 2),
				entry(List.of(Map.of("service", "echo.Echo", "method", "OtherEcho")), 3), entry(List.of(), 4))));
		call("UnaryEcho");
		call("OtherEcho");
		call("OtherEcho");
		// grpc-java made 2 attempts for UnaryEcho (service entry) and 3 for each OtherEcho (method entry).
		assertThat(this.server.requestCount()).isEqualTo(2 + 3 + 3);
		ClientFigures figures = figures();
		assertThat(figures.methodConfig()).extracting(ClientFigures.MethodConfigCalls::governedCalls)
			.containsExactly(1L, 2L, 0L);
		assertThat(figures.methodConfig()).extracting(ClientFigures.MethodConfigCalls::names)
			.containsExactly(List.of("echo.Echo"), List.of("echo.Echo/OtherEcho"), List.of("*"));
		assertThat(figures.ungovernedCalls()).isEmpty();
		assertThat(figures.callsByRetryStop()).containsEntry("max_attempts", 3L);
		assertThat(this.logged).isEmpty();
	}

	@Test
	void aServiceNamedWithoutItsPackageIsFoundWhenCallsGoToTheFullName() {
		start(Map.of("methodConfig", List.of(entry(List.of(Map.of("service", "Echo")), 4))));
		call("UnaryEcho");
		call("UnaryEcho");
		call("OtherEcho");
		// The entry governs nothing: one attempt each.
		assertThat(this.server.requestCount()).isEqualTo(3);
		assertThat(this.logged).singleElement()
			.satisfies((record) -> assertThat(record.getMessage()).contains("methodConfig[0].name[0].service")
				.contains("'Echo'")
				.contains("'echo.Echo/UnaryEcho'")
				.contains("did you mean 'echo.Echo'?"));
		ClientFigures figures = figures();
		assertThat(figures.methodConfig()).singleElement().satisfies((entry) -> {
			assertThat(entry.matchesNoCall()).isTrue();
			assertThat(entry.didYouMean()).containsExactly(Map.entry("Echo", "echo.Echo"));
		});
		assertThat(figures.ungovernedCalls()).containsOnly(Map.entry("echo.Echo/UnaryEcho", 2L),
				Map.entry("echo.Echo/OtherEcho", 1L));
		assertThat(figures.callsByRetryStop()).containsEntry("no_policy", 3L);
	}

	@Test
	void aMethodNameWithACaseSlipIsFoundAndTheDefaultEntryDoesNotHideIt() {
		start(Map.of("methodConfig", List.of(entry(List.of(Map.of("service", "echo.Echo", "method", "unaryEcho")), 4),
				entry(List.of(), 2))));
		call("UnaryEcho");
		// The default entry governed it: 2 attempts, not the 4 meant.
		assertThat(this.server.requestCount()).isEqualTo(2);
		assertThat(this.logged).singleElement()
			.satisfies((record) -> assertThat(record.getMessage()).contains("methodConfig[0].name[0].method")
				.contains("did you mean 'echo.Echo/UnaryEcho'?"));
		assertThat(figures().methodConfig()).extracting(ClientFigures.MethodConfigCalls::matchesNoCall)
			.containsExactly(true, false);
	}

	@Test
	void aNameThatOtherCallsMatchIsNotSuspected() {
		start(Map.of("methodConfig", List.of(entry(List.of(Map.of("service", "echo.Echo", "method", "UnaryEcho")), 2))));
		call("UnaryEcho");
		call("OtherEcho");
		assertThat(this.logged).isEmpty();
		assertThat(figures().ungovernedCalls()).containsOnly(Map.entry("echo.Echo/OtherEcho", 1L));
	}

	private void start(Map<String, ?> serviceConfig) {
		this.interceptor = new AttemptMetricsInterceptor(new SimpleMeterRegistry(), "echo", serviceConfig);
		this.channel = this.server.channelBuilder()
			.enableRetry()
			.defaultServiceConfig(serviceConfig)
			.intercept(this.interceptor)
			.build();
	}

	private ClientFigures figures() {
		return ClientTotals.figures(this.interceptor.totals(), this.interceptor.governance(),
				this.interceptor.policies());
	}

	private void call(String method) {
		EchoGrpc.EchoBlockingStub echo = EchoGrpc.newBlockingStub(this.channel);
		EchoRequest request = EchoRequest.newBuilder().setMessage(method).build();
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> {
			if (method.equals("UnaryEcho")) {
				echo.unaryEcho(request);
			}
			else {
				echo.otherEcho(request);
			}
		});
	}

	private static Map<String, Object> entry(List<Map<String, String>> names, int maxAttempts) {
		Map<String, Object> retryPolicy = Map.of("maxAttempts", (double) maxAttempts, "initialBackoff", "0.001s",
				"maxBackoff", "0.001s", "backoffMultiplier", 1.0, "retryableStatusCodes", List.of("UNAVAILABLE"));
		// The default entry is one empty name, as gRPC writes it: grpc-java skips an entry without names.
		return Map.of("name", names.isEmpty() ? List.of(Map.of()) : names, "retryPolicy", retryPolicy);
	}

}
