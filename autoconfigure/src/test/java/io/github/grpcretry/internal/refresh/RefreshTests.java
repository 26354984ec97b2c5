package io.github.grpcretry.internal.refresh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.grpcretry.actuate.GrpcClientDescriptor;
import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.channel.ServiceConfigChangeListener;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpoint;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpointWebExtension;
import io.github.grpcretry.internal.actuate.GrpcClientsView;
import io.github.grpcretry.internal.channel.ClientServiceConfig;
import io.github.grpcretry.internal.channel.GrpcChannelFactory;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.GrpcJavaUnderTest;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.StartupFailures;
import io.github.grpcretry.test.WritableEndpoint;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.validation.Violation;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.autoconfigure.RefreshAutoConfiguration;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.convert.converter.Converter;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A refresh, as Spring Cloud Config or a Kubernetes ConfigMap reload makes it: the application's configuration file
 * changes on disk and Spring Cloud's own {@link ContextRefresher} reloads it, publishing the changed keys. The running
 * channel bean takes the new policy for its next calls, or keeps running as it was when the change breaks a rule or
 * needs a restart.
 */
@ExtendWith(OutputCaptureExtension.class)
class RefreshTests {

	private static final String ENTRY = "grpc.clients.echo.method-config[0].";

	// Closing waits for the channel to terminate, and grpc-java shuts down the subchannels that a policy change or
	// idleness left 5 s later: no wait for those where closing is not the subject.
	private static final String QUICK_CLOSE = "grpc.clients.echo.shutdown-grace-period=100ms";

	@TempDir
	Path directory;

	@Test
	void aRefreshChangesTheRunningChannelsPolicyForItsNextCalls(CapturedOutput output) throws IOException {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			ManagedChannel channel = channel(context);
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(4);

			Set<String> keys = refresh(context, server, 2);
			assertThat(keys).contains(ENTRY + "retry-policy.max-attempts");
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(4 + 2);
			// The same channel, never rebuilt.
			assertThat(channel(context)).isSameAs(channel);

			Meters meters = new Meters(context.getBean(MeterRegistry.class));
			assertThat(meters.attempts()).isEqualTo(server.requestCount());
			assertThat(meters.attempts("kind", "retry")).isEqualTo(3 + 1);
			assertThat(changes(context, "refresh", "applied")).isEqualTo(1);
			ClientServiceConfig.State state = serviceConfig(context).state();
			assertThat(state.source()).isEqualTo(ServiceConfigChangeListener.Source.REFRESH);
			assertThat(state.pendingRestart()).isEmpty();
			assertThat(output).contains("gRPC client 'echo': grpc.clients.echo.method-config changed by a refresh");
		}
	}

	@Test
	void aPropertySourceChangedInPlaceBeforeTheRefreshIsApplied() throws IOException {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			// As a database-backed source, or one the application reloads itself: the change is in the environment
			// before the refresh takes its snapshot, so the refresh's event names no key. A list is bound from one
			// source, so the source holds the whole entry.
			Map<String, Object> entry = new HashMap<>();
			for (String line : Files.readAllLines(this.directory.resolve("application.properties"))) {
				if (line.startsWith(ENTRY)) {
					entry.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
				}
			}
			entry.put(ENTRY + "retry-policy.max-attempts", "2");
			context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("reloaded", entry));
			assertThat(context.getBean(ContextRefresher.class).refresh()).isEmpty();
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(2);
			assertThat(changes(context, "refresh", "applied")).isEqualTo(1);
		}
	}

	@Test
	void aValueWrittenAsAPlaceholderChangesWithTheKeyItNames() throws IOException {
		try (EchoTestServer server = failing()) {
			write(server, 4, "echo.attempts=4");
			rewrite(ENTRY + "retry-policy.max-attempts=4", ENTRY + "retry-policy.max-attempts=${echo.attempts}");
			try (ConfigurableApplicationContext context = run()) {
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(4);
				rewrite("echo.attempts=4", "echo.attempts=2");
				assertThat(context.getBean(ContextRefresher.class).refresh()).containsExactly("echo.attempts");
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(4 + 2);
			}
		}
	}

	@Test
	void aListenerThatThrowsChangesNothingElse(CapturedOutput output) throws IOException {
		try (EchoTestServer server = failing()) {
			write(server, 4);
			try (ConfigurableApplicationContext context = run(ThrowingListener.class)) {
				refresh(context, server, 2);
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(2);
				// The counter, a listener after the one that threw, still counts the change as applied.
				assertThat(changes(context, "refresh", "applied")).isEqualTo(1);
				assertThat(changes(context, "refresh", "refused")).isZero();
				assertThat(output).contains("failed on a refresh's change (applied); the change stands");

				// The bookkeeping holds: back to the old value is a change of its own, applied.
				refresh(context, server, 4);
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(2 + 4);
				assertThat(changes(context, "refresh", "applied")).isEqualTo(2);
			}
		}
	}

	@Test
	@SuppressWarnings("unchecked")
	void turningRetriesBackToAConfigurationAboveTheChannelsCapIsA400() throws Exception {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			GrpcClientsEndpointWebExtension endpoint = WritableEndpoint.overHttp(context.getBean(GrpcClientsView.class));
			assertThat(endpoint.switchRetries("echo", "off").getStatus()).isEqualTo(200);
			refresh(context, server, 6);
			assertThat(changes(context, "refresh", "refused")).isEqualTo(1);

			WebEndpointResponse<Object> response = endpoint.switchRetries("echo", "configured");
			assertThat(response.getStatus()).isEqualTo(400);
			List<Violation> violations = (List<Violation>) ((Map<String, Object>) response.getBody()).get("violations");
			assertThat(violations).extracting(Violation::problem)
				.anySatisfy((problem) -> assertThat(problem).contains("above the running channel's cap of 5"));
			// The retries stay off.
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(1);
		}
	}

	@Test
	void aChangeThatLeavesWhatGrpcJavaParsesAsItIsKeepsTheRetryThrottlesTokens() throws Exception {
		String throttle = "grpc.clients.echo.retry-throttling.";
		try (EchoTestServer server = failing()) {
			// 4 tokens: a failed attempt takes one, and retries stop at 2 (gRFC A6).
			write(server, 4, throttle + "max-tokens=4", throttle + "token-ratio=0.1");
			try (ConfigurableApplicationContext context = run()) {
				// pick_first other than the policy the channel was built with travels in the service config, and
				// grpc-java's parse of it equals no earlier parse: each config handed over is a new throttle.
				write(server, 4, throttle + "max-tokens=4", throttle + "token-ratio=0.1",
						"grpc.clients.echo.load-balancing-policy=pick_first");
				context.getBean(ContextRefresher.class).refresh();
				failingCall(context);
				failingCall(context);
				assertThat(server.requests()).extracting(EchoTestServer.Request::previousAttempts)
					.containsExactly(0, 1, 0);
				GrpcClientsEndpointWebExtension endpoint = WritableEndpoint
					.overHttp(context.getBean(GrpcClientsView.class));

				// Back to what is configured, when it is already: nothing new for grpc-java, whose every new config
				// is a new throttle with every token back.
				assertThat(endpoint.switchRetries("echo", "configured").getStatus()).isEqualTo(200);
				failingCall(context);
				assertThat(server.requests()).extracting(EchoTestServer.Request::previousAttempts)
					.containsExactly(0, 1, 0, 0);
			}
		}
	}

	@Test
	void aRefreshThatBreaksARuleIsRefusedWholeAndTheRunningPolicyStays(CapturedOutput output) throws IOException {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			// A valid max-attempts beside an invalid backoff: neither is applied.
			write(server, 2, ENTRY + "retry-policy.backoff-multiplier=0");
			context.getBean(ContextRefresher.class).refresh();
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(4);
			assertThat(changes(context, "refresh", "refused")).isEqualTo(1);
			assertThat(changes(context, "refresh", "applied")).isZero();
			assertThat(serviceConfig(context).state().source()).isEqualTo(ServiceConfigChangeListener.Source.CONFIGURATION);
			assertThat(output).contains("gRPC client 'echo': a refresh was refused whole")
				.contains(ENTRY + "retry-policy.backoff-multiplier = 0");

			// Once fixed, the next refresh applies it.
			refresh(context, server, 2);
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(4 + 2);
			assertThat(changes(context, "refresh", "applied")).isEqualTo(1);
		}
	}

	@Test
	void aRefreshThatNamesAServiceOneSlipFromAGeneratedOneIsRefused(CapturedOutput output) throws IOException {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			write(server, 2);
			rewrite(ENTRY + "name[0].service=echo.Echo", ENTRY + "name[0].service=Echo");
			context.getBean(ContextRefresher.class).refresh();
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(4);
			assertThat(changes(context, "refresh", "refused")).isEqualTo(1);
			assertThat(output).contains("gRPC client 'echo': a refresh was refused whole")
				.contains(ENTRY + "name[0].service = Echo")
				.contains("did you mean `echo.Echo`?");
		}
	}

	@Test
	void turningTheNameCheckOffIsTakenByARefreshWithoutRestart() throws IOException {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			write(server, 2, "grpc.clients.echo.check-method-names=false");
			rewrite(ENTRY + "name[0].service=echo.Echo", ENTRY + "name[0].service=Echo");
			context.getBean(ContextRefresher.class).refresh();
			assertThat(changes(context, "refresh", "applied")).isEqualTo(1);
			assertThat(changes(context, "refresh", "refused")).isZero();
			assertThat(changes(context, "refresh", "restart_required")).isZero();
			assertThat(serviceConfig(context).state().pendingRestart()).isEmpty();
		}
	}

	@Test
	void eachClientIsAChangeOfItsOwn(CapturedOutput output) throws IOException {
		String other = "grpc.clients.other.";
		String otherEntry = other + "method-config[0].";
		try (EchoTestServer server = failing(); EchoTestServer otherServer = failing()) {
			// echo's backoff multiplier too, which write() adds only where no line sets one.
			String[] otherClient = { ENTRY + "retry-policy.backoff-multiplier=1",
					other + "address=" + otherServer.address(), other + "negotiation-type=plaintext",
					otherEntry + "name[0].service=echo.Echo", otherEntry + "retry-policy.initial-backoff=5ms",
					otherEntry + "retry-policy.max-backoff=5ms", otherEntry + "retry-policy.backoff-multiplier=1",
					otherEntry + "retry-policy.retryable-status-codes=UNAVAILABLE" };
			write(server, 4, concat(otherClient, otherEntry + "retry-policy.max-attempts=3"));
			try (ConfigurableApplicationContext context = run()) {
				// echo goes to 2 attempts, other to 1, which breaks a rule: echo's change lands, other's is refused.
				write(server, 2, concat(otherClient, otherEntry + "retry-policy.max-attempts=1"));
				context.getBean(ContextRefresher.class).refresh();
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(2);
				ManagedChannel otherChannel = context.getBean("otherManagedChannel", ManagedChannel.class);
				assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> EchoGrpc
					.newBlockingStub(otherChannel)
					.unaryEcho(EchoRequest.newBuilder().setMessage("hi").build()));
				assertThat(otherServer.requestCount()).isEqualTo(3);
				assertThat(changes(context, "echo", "refresh", "applied")).isEqualTo(1);
				assertThat(changes(context, "other", "refresh", "refused")).isEqualTo(1);
				assertThat(output).contains("gRPC client 'other': a refresh was refused whole");
			}
		}
	}

	@Test
	void aValueThatCannotBeBoundIsRefusedWhereItsDefaultIsWhatRuns(CapturedOutput output) throws IOException {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			// Bound as missing, the value reads as the default round_robin the client runs: the same properties as
			// before, yet a value that is not applied.
			write(server, 4, "grpc.clients.echo.load-balancing-policy=round_robbin");
			context.getBean(ContextRefresher.class).refresh();
			assertThat(changes(context, "refresh", "refused")).isEqualTo(1);
			assertThat(output).contains("gRPC client 'echo': a refresh was refused whole")
				.contains("grpc.clients.echo.load-balancing-policy = round_robbin");
			// Reported once, however many refreshes read it.
			context.getBean(ContextRefresher.class).refresh();
			assertThat(changes(context, "refresh", "refused")).isEqualTo(1);
		}
	}

	@Test
	void aValueThatCannotBeBoundIsRefusedWithItsProperty(CapturedOutput output) throws IOException {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			write(server, 4, ENTRY + "retry-policy.initial-backoff=soon",
					ENTRY + "retry-policy.retryable-status-codes=UNAVAILBLE", ENTRY + "retry-policy.max-backoff=0s");
			context.getBean(ContextRefresher.class).refresh();
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(4);
			assertThat(changes(context, "refresh", "refused")).isEqualTo(1);
			// Every value that cannot be bound, and every rule broken beside them, in one warning.
			assertThat(output).contains("gRPC client 'echo': a refresh was refused whole")
				.contains(ENTRY + "retry-policy.initial-backoff = soon")
				.contains(ENTRY + "retry-policy.retryable-status-codes = UNAVAILBLE")
				.contains("'UNAVAILBLE' is not a gRPC status code")
				.contains(ENTRY + "retry-policy.max-backoff = 0s")
				.contains("cannot be bound");
		}
	}

	@Test
	void aRefreshConvertsValuesWithTheApplicationsConvertersAsStartUpDoes() throws IOException {
		try (EchoTestServer server = failing()) {
			// Only the application's own @ConfigurationPropertiesBinding converter reads this size.
			String wordedSize = ENTRY + "max-request-message-bytes=1 megabyte";
			write(server, 4, wordedSize);
			try (ConfigurableApplicationContext context = run(WordedSizes.class)) {
				write(server, 2, wordedSize);
				context.getBean(ContextRefresher.class).refresh();
				failingCall(context);
				assertThat(server.requestCount()).isEqualTo(2);
				assertThat(changes(context, "refresh", "applied")).isEqualTo(1);
			}
		}
	}

	@Test
	void aRefreshReadsStatusCodesByNumberAsStartUpDoes() throws IOException {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			// DEADLINE_EXCEEDED and UNKNOWN: the server's UNAVAILABLE is no longer retried.
			write(server, 4, ENTRY + "retry-policy.retryable-status-codes=4,unknown");
			context.getBean(ContextRefresher.class).refresh();
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(1);
			assertThat(changes(context, "refresh", "applied")).isEqualTo(1);
		}
	}

	@Test
	void aRuleBrokenOutsideTheRunningClientsIsReported(CapturedOutput output) throws IOException {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			write(server, 4, "grpc.clients.other.method-config[0].retry-policy.max-attempts=many");
			context.getBean(ContextRefresher.class).refresh();
			assertThat(output).contains("a refresh left properties that break a rule, and changed no client for them")
				.contains("grpc.clients.other.method-config[0].retry-policy.max-attempts = many");
			assertThat(changes(context, "refresh", "refused")).isZero();
		}
	}

	@Test
	void aRefreshOfTheAddressNeedsARestartAndAppliesNothing(CapturedOutput output) throws IOException {
		try (EchoTestServer server = failing(); EchoTestServer other = failing();
				ConfigurableApplicationContext context = start(server, 4)) {
			write(other, 2);
			context.getBean(ContextRefresher.class).refresh();
			failingCall(context);
			// Still the old address, and the old policy: nothing of the change was applied.
			assertThat(server.requestCount()).isEqualTo(4);
			assertThat(other.requestCount()).isZero();
			assertThat(changes(context, "refresh", "restart_required")).isEqualTo(1);
			assertThat(serviceConfig(context).state().pendingRestart()).containsExactly("grpc.clients.echo.address");
			assertThat(output).contains("a refresh changed grpc.clients.echo.address, which a running channel cannot"
					+ " take; nothing of this change was applied");
			GrpcClientDescriptor client = WritableEndpoint
				.of(context.getBean(GrpcClientsView.class))
				.client("echo");
			assertThat(client.pendingRestart()).containsExactly("grpc.clients.echo.address");

			// With the address back, the policy change is applied, and nothing is pending.
			refresh(context, server, 2);
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(4 + 2);
			assertThat(serviceConfig(context).state().pendingRestart()).isEmpty();
		}
	}

	@Test
	void aRefreshThatGivesAnXdsClientAMethodConfigIsRefusedAsAtStartUp(CapturedOutput output) throws IOException {
		String address = "xds:///refresh-tests";
		if (GrpcJavaUnderTest.sendsRetriedXdsRequestsEmpty()) {
			// grpc-java 1.83.0 and 1.83.1 (profile grpc-java-1.83): the xds: client never starts, so nothing refreshes
			assertThatException().isThrownBy(() -> start(address))
				.satisfies((ex) -> assertThat(StartupFailures.invalidProperties(ex).getViolations())
					.extracting(Violation::property)
					.containsExactly("grpc.clients.echo.address"));
			return;
		}
		try (ConfigurableApplicationContext context = start(address)) {
			write(address, ENTRY + "name[0].service=echo.Echo", ENTRY + "timeout=1s");
			context.getBean(ContextRefresher.class).refresh();
			assertThat(changes(context, "refresh", "refused")).isEqualTo(1);
			assertThat(changes(context, "refresh", "applied")).isZero();
			assertThat(output).contains("gRPC client 'echo': a refresh was refused whole")
				.contains("grpc.clients.echo.method-config: is set for an xds: client, whose service config the xDS"
						+ " control plane supplies: grpc-java never applies this one");
		}
	}

	@Test
	void raisingMaxAttemptsAboveTheRunningChannelsCapIsRefused(CapturedOutput output) throws IOException {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			failingCall(context);
			refresh(context, server, 6);
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(4 + 4);
			assertThat(changes(context, "refresh", "refused")).isEqualTo(1);
			assertThat(output).contains("above the running channel's cap of 5 attempts");
		}
	}

	@Test
	void theIncidentSwitchStaysOnAcrossARefreshAndTurnsBackToTheRefreshedPolicy() throws Exception {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			GrpcClientsEndpoint endpoint = WritableEndpoint.of(context.getBean(GrpcClientsView.class));
			GrpcClientsEndpointWebExtension overHttp = new GrpcClientsEndpointWebExtension(endpoint);
			assertThat(overHttp.switchRetries("echo", "off").getStatus()).isEqualTo(200);
			refresh(context, server, 3);
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(1);
			assertThat(endpoint.client("echo").retries()).isEqualTo("off");
			assertThat(endpoint.client("echo").serviceConfigSource()).isEqualTo("endpoint");

			assertThat(overHttp.switchRetries("echo", "configured").getStatus()).isEqualTo(200);
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(1 + 3);
			assertThat(changes(context, "refresh", "applied")).isEqualTo(1);
			assertThat(changes(context, "endpoint", "applied")).isEqualTo(2);
		}
	}

	@Test
	@SuppressWarnings("unchecked")
	void turningRetriesBackToAConfigurationThatBreaksARuleIsA400WithEveryViolation() throws Exception {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			GrpcClientsEndpointWebExtension endpoint = WritableEndpoint.overHttp(context.getBean(GrpcClientsView.class));
			endpoint.switchRetries("echo", "off");
			write(server, 3, ENTRY + "retry-policy.backoff-multiplier=0", ENTRY + "retry-policy.max-backoff=-1s");
			context.getBean(ContextRefresher.class).refresh();

			WebEndpointResponse<Object> response = endpoint.switchRetries("echo", "configured");
			assertThat(response.getStatus()).isEqualTo(400);
			List<Violation> violations = (List<Violation>) ((Map<String, Object>) response.getBody()).get("violations");
			assertThat(violations).extracting(Violation::property)
				.contains(ENTRY + "retry-policy.backoff-multiplier", ENTRY + "retry-policy.max-backoff");
			// The retries stay off.
			failingCall(context);
			assertThat(server.requestCount()).isEqualTo(1);
			assertThat(changes(context, "refresh", "refused")).isEqualTo(1);
			assertThat(changes(context, "endpoint", "refused")).isEqualTo(1);
		}
	}

	@Test
	void aRefreshThatChangesTheLoadBalancingPolicyMovesTheNextCalls() throws IOException {
		try (EchoTestServer first = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()));
				EchoTestServer second = EchoTestServer.onLoopback(EchoTestServer.always(Answer.ok()));
				ConfigurableApplicationContext context = start("static://" + first.address() + "," + second.address(),
						"grpc.clients.echo.load-balancing-policy=pick_first", QUICK_CLOSE)) {
			for (int i = 0; i < 10; i++) {
				call(context);
			}
			assertThat(first.requestCount() + second.requestCount()).isEqualTo(10);
			assertThat(Math.min(first.requestCount(), second.requestCount())).isZero();

			write("static://" + first.address() + "," + second.address(),
					"grpc.clients.echo.load-balancing-policy=round_robin", QUICK_CLOSE);
			context.getBean(ContextRefresher.class).refresh();
			int firstBefore = first.requestCount();
			int secondBefore = second.requestCount();
			for (int i = 0; i < 10; i++) {
				call(context);
			}
			assertThat(first.requestCount() - firstBefore).isPositive();
			assertThat(second.requestCount() - secondBefore).isPositive();
			assertThat(serviceConfig(context).state().loadBalancingPolicy()).isEqualTo("round_robin");
		}
	}

	@Test
	void aClientAddedByARefreshNeedsARestart(CapturedOutput output) throws IOException {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			write(server, 4, "grpc.clients.other.address=127.0.0.1:1");
			context.getBean(ContextRefresher.class).refresh();
			assertThat(changes(context, "other", "refresh", "restart_required")).isEqualTo(1);
			assertThat(output).contains("gRPC client 'other': a refresh added grpc.clients.other");
			assertThat(context.getBean(GrpcChannelFactory.class).clientNames()).containsExactly("echo");
		}
	}

	@Test
	void aRefreshOfOtherKeysLeavesTheClientsAlone() throws IOException {
		try (EchoTestServer server = failing(); ConfigurableApplicationContext context = start(server, 4)) {
			write(server, 4, "other.setting=1");
			assertThat(context.getBean(ContextRefresher.class).refresh()).containsExactly("other.setting");
			assertThat(context.getBean(MeterRegistry.class).find("grpc.client.service_config.changes").counters())
				.isEmpty();
		}
	}

	private ConfigurableApplicationContext start(EchoTestServer server, int maxAttempts) throws IOException {
		write(server, maxAttempts);
		return run();
	}

	private ConfigurableApplicationContext start(String address, String... more) throws IOException {
		write(address, more);
		return run();
	}

	private ConfigurableApplicationContext run(Class<?>... configurations) {
		// The file is the application's configuration, as a mounted ConfigMap is: loaded at start, and again by
		// each refresh.
		return new SpringApplicationBuilder(Application.class).sources(configurations)
			.web(WebApplicationType.NONE)
			.run("--spring.config.location=file:" + this.directory.resolve("application.properties"));
	}

	private Set<String> refresh(ConfigurableApplicationContext context, EchoTestServer server, int maxAttempts)
			throws IOException {
		write(server, maxAttempts);
		return context.getBean(ContextRefresher.class).refresh();
	}

	private void write(EchoTestServer server, int maxAttempts, String... more) throws IOException {
		String[] lines = new String[more.length + 6];
		lines[0] = "grpc.clients.echo.negotiation-type=plaintext";
		lines[1] = ENTRY + "name[0].service=echo.Echo";
		lines[2] = ENTRY + "retry-policy.max-attempts=" + maxAttempts;
		lines[3] = ENTRY + "retry-policy.initial-backoff=5ms";
		lines[4] = ENTRY + "retry-policy.max-backoff=5ms";
		lines[5] = ENTRY + "retry-policy.retryable-status-codes=UNAVAILABLE";
		System.arraycopy(more, 0, lines, 6, more.length);
		write(server.address(), lines);
	}

	private void write(String address, String... lines) throws IOException {
		StringBuilder properties = new StringBuilder("grpc.clients.echo.address=" + address + "\n");
		for (String line : lines) {
			properties.append(line).append('\n');
		}
		if (!properties.toString().contains("negotiation-type")) {
			properties.append("grpc.clients.echo.negotiation-type=plaintext\n");
		}
		if (properties.toString().contains("retry-policy") && !properties.toString().contains("backoff-multiplier")) {
			properties.append(ENTRY).append("retry-policy.backoff-multiplier=1\n");
		}
		Files.writeString(this.directory.resolve("application.properties"), properties);
	}

	private void rewrite(String line, String replacement) throws IOException {
		Path file = this.directory.resolve("application.properties");
		Files.writeString(file, Files.readString(file).replace(line, replacement));
	}

	private static String[] concat(String[] lines, String... more) {
		String[] all = Arrays.copyOf(lines, lines.length + more.length);
		System.arraycopy(more, 0, all, lines.length, more.length);
		return all;
	}

	private static EchoTestServer failing() {
		return EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)));
	}

	private static ManagedChannel channel(ConfigurableApplicationContext context) {
		return context.getBean("echoManagedChannel", ManagedChannel.class);
	}

	private static ClientServiceConfig serviceConfig(ConfigurableApplicationContext context) {
		return context.getBean(GrpcChannelFactory.class).clientServiceConfig("echo");
	}

	private static void call(ConfigurableApplicationContext context) {
		EchoGrpc.newBlockingStub(channel(context)).unaryEcho(EchoRequest.newBuilder().setMessage("hi").build());
	}

	private static void failingCall(ConfigurableApplicationContext context) {
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> call(context));
	}

	private static double changes(ConfigurableApplicationContext context, String source, String result) {
		return changes(context, "echo", source, result);
	}

	private static double changes(ConfigurableApplicationContext context, String client, String source,
			String result) {
		var counter = context.getBean(MeterRegistry.class)
			.find("grpc.client.service_config.changes")
			.tags("client", client, "source", source, "result", result)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	@Configuration(proxyBeanMethods = false)
	static class ThrowingListener {

		@Bean
		@Order(Ordered.HIGHEST_PRECEDENCE)
		ServiceConfigChangeListener throwingListener() {
			return (client, source, result) -> {
				throw new IllegalStateException("a listener of the application's that fails");
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class WordedSizes {

		@Bean
		@ConfigurationPropertiesBinding
		static WordedSizeConverter wordedSizeConverter() {
			return new WordedSizeConverter();
		}

	}

	/** Reads {@code 1 megabyte}, which Spring Boot's own size conversion does not. */
	static final class WordedSizeConverter implements Converter<String, DataSize> {

		@Override
		public DataSize convert(String source) {
			return "1 megabyte".equals(source) ? DataSize.ofMegabytes(1) : DataSize.parse(source);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ RefreshAutoConfiguration.class, GrpcRetryAutoConfiguration.class })
	static class Application {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

}
