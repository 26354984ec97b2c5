package io.github.grpcretry.internal.properties;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.grpcretry.autoconfigure.BoundClientProperties;
import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.properties.NegotiationType;
import io.github.grpcretry.test.ApplicationYaml;
import io.github.grpcretry.test.EchoTestServer;
import io.github.grpcretry.test.EchoTestServer.Answer;
import io.github.grpcretry.test.Meters;
import io.github.grpcretry.test.StartupFailures;
import io.github.grpcretry.test.UserProperties;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.test.echo.EchoRequest;
import io.github.grpcretry.validation.InvalidGrpcClientPropertiesException;
import io.github.grpcretry.validation.Violation;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * A client is one client however Spring Boot spells its name: an environment variable configures the client that
 * {@code application.yml} names, and two spellings of one name in the configuration stop start-up.
 */
class ClientNamesTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class));

	@Test
	void environmentVariableConfiguresTheClientThatYamlNames() {
		try (EchoTestServer server = EchoTestServer.inProcess((n) -> Answer.ok())) {
			this.contextRunner.withBean(SimpleMeterRegistry.class)
				.withInitializer(ApplicationYaml.of("""
						grpc:
						  clients:
						    myClient:
						      address: localhost:1
						      negotiation-type: plaintext
						"""))
				.withInitializer(environmentVariables(Map.of("GRPC_CLIENTS_MYCLIENT_ADDRESS", server.address())))
				.withUserConfiguration(MyClientUser.class)
				.run((context) -> {
					assertThat(context).hasNotFailed();
					assertThat(context.getBeansOfType(ManagedChannel.class)).containsOnlyKeys("myClientManagedChannel");
					ManagedChannel channel = context.getBean(MyClientUser.class).channel();
					assertThat(channel).isSameAs(context.getBean("myClientManagedChannel"));
					// The environment variable's address, the YAML's negotiation type: one client, both sources.
					assertThat(echo(channel, "hi")).isEqualTo("hi");
					assertThat(server.requestCount()).isEqualTo(1);
					Meters meters = new Meters(context.getBean(MeterRegistry.class));
					assertThat(meters.attempts("client", "myClient")).isEqualTo(1);
					assertThat(meters.attempts()).isEqualTo(1);
				});
		}
	}

	@Test
	void environmentVariableConfiguresTheClientThatYamlNamesInKebabCase() {
		this.contextRunner.withInitializer(ApplicationYaml.of("""
				grpc:
				  clients:
				    my-client:
				      negotiation-type: plaintext
				"""))
			.withInitializer(environmentVariables(Map.of("GRPC_CLIENTS_MYCLIENT_ADDRESS", "localhost:1")))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBeansOfType(ManagedChannel.class)).containsOnlyKeys("my-clientManagedChannel");
				assertThat(context.getBean(GrpcClientsProperties.class).clients()).containsOnlyKeys("my-client");
			});
	}

	@Test
	void clientOnlyInTheEnvironmentIsNamedAsTheEnvironmentSpellsIt() {
		this.contextRunner
			.withInitializer(environmentVariables(Map.of("GRPC_CLIENTS_MYCLIENT_ADDRESS", "localhost:1",
					"GRPC_CLIENTS_MYCLIENT_NEGOTIATIONTYPE", "plaintext")))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBeansOfType(ManagedChannel.class)).containsOnlyKeys("myclientManagedChannel");
			});
	}

	@Test
	void boundPropertiesHoldOneClientPerName() {
		Map<String, ClientProperties> clients = bound("""
				grpc:
				  clients:
				    myClient:
				      address: localhost:1
				""", Map.of("GRPC_CLIENTS_MYCLIENT_NEGOTIATIONTYPE", "plaintext")).properties().clients();
		assertThat(clients).containsOnlyKeys("myClient");
		assertThat(clients.get("myClient").negotiationType()).isEqualTo(NegotiationType.PLAINTEXT);
	}

	@Test
	void twoSpellingsOfOneClientStopStartUpNamingBoth() {
		InvalidGrpcClientPropertiesException failure = BoundClientProperties
			.of(new UserProperties().with("grpc.clients.myClient.address", "localhost:1")
				.with("grpc.clients.my-client.negotiation-type", "plaintext"))
			.failure();
		List<Violation> violations = failure.getViolations();
		assertThat(violations).extracting(Violation::property)
			.containsExactlyInAnyOrder("grpc.clients.myClient.address", "grpc.clients.my-client.negotiation-type");
		assertThat(violations).allSatisfy((violation) -> {
			assertThat(violation.problem()).contains("grpc.clients.myClient").contains("grpc.clients.my-client");
			assertThat(violation.fix()).contains("myClient").contains("my-client");
		});
		assertThat(violations).filteredOn((violation) -> violation.property().endsWith(".address"))
			.singleElement()
			.satisfies((violation) -> assertThat(violation.value()).isEqualTo("localhost:1"));
		FailureAnalysis analysis = StartupFailures.analysis(failure);
		assertThat(analysis.getDescription()).contains("has 2 problems,")
			.contains("Property: grpc.clients.myClient.address")
			.contains("Property: grpc.clients.my-client.negotiation-type");
	}

	@Test
	void twoSpellingsInYamlStopStartUpWithTheirOrigins() {
		assertThat(bound("""
				grpc:
				  clients:
				    myClient:
				      address: localhost:1
				    myclient:
				      negotiation-type: plaintext
				""", Map.of()).failure().getViolations()).extracting(Violation::property, Violation::origin)
			.containsExactlyInAnyOrder(
					tuple("grpc.clients.myClient.address", "Byte array resource [application.yml] - 4:16"),
					tuple("grpc.clients.myclient.negotiation-type", "Byte array resource [application.yml] - 6:25"));
	}

	// The environment variables over application.yml, as Spring Boot orders them.
	private static BoundClientProperties bound(String yaml, Map<String, Object> variables) {
		List<PropertySource<?>> sources = new ArrayList<>();
		sources.add(new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
				variables));
		sources.addAll(ApplicationYaml.propertySources(yaml));
		return BoundClientProperties.of(sources.toArray(PropertySource<?>[]::new));
	}

	private static String echo(ManagedChannel channel, String message) {
		return EchoGrpc.newBlockingStub(channel)
			.withDeadlineAfter(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS)
			.unaryEcho(EchoRequest.newBuilder().setMessage(message).build())
			.getMessage();
	}

	/**
	 * The process's environment variables, as Spring's own system environment source, which Spring Boot reads
	 * relaxed ({@code GRPC_CLIENTS_MYCLIENT_ADDRESS} is {@code grpc.clients.myclient.address}).
	 */
	private static ApplicationContextInitializer<ConfigurableApplicationContext> environmentVariables(
			Map<String, Object> variables) {
		return (context) -> {
			MutablePropertySources sources = context.getEnvironment().getPropertySources();
			sources.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
					new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
							variables));
		};
	}

	static class MyClientUser {

		private final ManagedChannel channel;

		MyClientUser(@Qualifier("myClient") ManagedChannel channel) {
			this.channel = channel;
		}

		ManagedChannel channel() {
			return this.channel;
		}

	}

}
