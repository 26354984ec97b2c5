package io.github.grpcretry.internal.actuate;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.ReflectionException;

import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The {@code grpcclients} endpoint over JMX, as an operator reaches it with a JMX client: exposed like any endpoint,
 * under Spring Boot's default object name, in an application without a web server. The switch has the effect it has
 * over HTTP, proved by the attempts a real server receives (4 while the retries run, 1 once they are off), and it
 * is granted and refused by the same keys.
 */
class GrpcClientsEndpointJmxTests {

	private static final String ENTRY_0 = "grpc.clients.echo.method-config[0].";

	private static final String[] TWO_TEXTS = { String.class.getName(), String.class.getName() };

	private EchoTestServer server;

	@BeforeEach
	void startServer() {
		this.server = EchoTestServer.onLoopback(EchoTestServer.always(Answer.fail(Status.Code.UNAVAILABLE)));
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void readsTheClientsAndSwitchesRetriesOffAndBackThroughTheMBeanServer() throws Exception {
		try (ConfigurableApplicationContext context = start("management.endpoint.grpcclients.access=unrestricted")) {
			MBeanServer mBeans = context.getBean(MBeanServer.class);
			ObjectName endpoint = endpointName();

			Map<String, Object> clients = (Map<String, Object>) mBeans.invoke(endpoint, "clients", new Object[0],
					new String[0]);
			assertThat((Map<String, Object>) clients.get("clients")).containsOnlyKeys("echo");
			Map<String, Object> echo = (Map<String, Object>) mBeans.invoke(endpoint, "client",
					new Object[] { "echo" }, new String[] { String.class.getName() });
			assertThat(echo).containsEntry("target", this.server.address()).containsEntry("retries", "configured");
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);

			// Written as an operator types it: Spring Boot maps "off" to the operation's enum parameter.
			Map<String, Object> off = (Map<String, Object>) mBeans.invoke(endpoint, "switchRetries",
					new Object[] { "echo", "off" }, TWO_TEXTS);
			assertThat(off).containsEntry("retries", "off").containsEntry("serviceConfigSource", "endpoint");
			assertThat(attemptsOfOneCall(context)).isEqualTo(1);

			Map<String, Object> configured = (Map<String, Object>) mBeans.invoke(endpoint, "switchRetries",
					new Object[] { "echo", "configured" }, TWO_TEXTS);
			assertThat(configured).containsEntry("retries", "configured");
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);
		}
	}

	@Test
	void withoutWriteAccessTheMBeanHasNoSwitch() throws Exception {
		try (ConfigurableApplicationContext context = start()) {
			MBeanServer mBeans = context.getBean(MBeanServer.class);
			List<String> operations = Arrays.stream(mBeans.getMBeanInfo(endpointName()).getOperations())
				.map(MBeanOperationInfo::getName)
				.toList();
			assertThat(operations).containsExactlyInAnyOrder("clients", "client");
		}
	}

	@Test
	void theLegacyEnabledKeyLeavesTheSwitchRefusedWithTheKeyToSet() throws Exception {
		try (ConfigurableApplicationContext context = start("management.endpoint.grpcclients.enabled=true")) {
			MBeanServer mBeans = context.getBean(MBeanServer.class);
			// Spring Boot grants the endpoint unrestricted access by the legacy key: the operation is there.
			assertThatExceptionOfType(ReflectionException.class)
				.isThrownBy(() -> mBeans.invoke(endpointName(), "switchRetries", new Object[] { "echo", "off" },
						TWO_TEXTS))
				.havingCause()
				.isInstanceOf(IllegalArgumentException.class)
				.withMessage("the incident switch is refused: management.endpoint.grpcclients.enabled=true grants it"
						+ " no writes; set management.endpoint.grpcclients.access=unrestricted in place of"
						+ " management.endpoint.grpcclients.enabled");
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);
		}
	}

	@Test
	void anUnknownClientAndAnotherValueAreRefusedAsInvalidRequests() throws Exception {
		try (ConfigurableApplicationContext context = start("management.endpoint.grpcclients.access=unrestricted")) {
			MBeanServer mBeans = context.getBean(MBeanServer.class);
			assertThatExceptionOfType(ReflectionException.class)
				.isThrownBy(() -> mBeans.invoke(endpointName(), "switchRetries", new Object[] { "nope", "off" },
						TWO_TEXTS))
				.havingCause()
				.isInstanceOf(IllegalArgumentException.class)
				.withMessage("no gRPC client is named 'nope'");
			// Spring Boot's own refusal of a value its parameter cannot take, before the switch is reached.
			assertThatExceptionOfType(ReflectionException.class)
				.isThrownBy(() -> mBeans.invoke(endpointName(), "switchRetries", new Object[] { "echo", "fewer" },
						TWO_TEXTS))
				.havingCause()
				.isInstanceOf(IllegalArgumentException.class)
				.withMessageContaining("fewer");
			assertThat(attemptsOfOneCall(context)).isEqualTo(4);
		}
	}

	// Spring Boot's default name for the endpoint, which a JMX client looks up.
	private static ObjectName endpointName() throws Exception {
		return new ObjectName("org.springframework.boot:type=Endpoint,name=Grpcclients");
	}

	private int attemptsOfOneCall(ConfigurableApplicationContext context) {
		int before = this.server.requestCount();
		ManagedChannel channel = context.getBean("echoManagedChannel", ManagedChannel.class);
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> EchoGrpc.newBlockingStub(channel)
			.withDeadlineAfter(10, TimeUnit.SECONDS)
			.unaryEcho(EchoRequest.newBuilder().setMessage("hi").build()));
		return this.server.requestCount() - before;
	}

	private ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
			.properties("spring.jmx.enabled=true", "management.endpoints.jmx.exposure.include=grpcclients",
					"grpc.clients.echo.address=" + this.server.address(),
					"grpc.clients.echo.negotiation-type=plaintext", ENTRY_0 + "name[0].service=echo.Echo",
					ENTRY_0 + "retry-policy.max-attempts=4", ENTRY_0 + "retry-policy.initial-backoff=5ms",
					ENTRY_0 + "retry-policy.max-backoff=5ms", ENTRY_0 + "retry-policy.backoff-multiplier=1",
					ENTRY_0 + "retry-policy.retryable-status-codes=UNAVAILABLE")
			.properties(properties)
			.run();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

	}

}
