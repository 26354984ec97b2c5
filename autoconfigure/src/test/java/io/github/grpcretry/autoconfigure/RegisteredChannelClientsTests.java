package io.github.grpcretry.autoconfigure;

import java.util.List;
import java.util.Map;

import io.github.grpcretry.internal.properties.ClientNames;
import io.github.grpcretry.test.StartupFailures;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.env.OriginTrackedMapPropertySource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static io.github.grpcretry.test.StartupFailures.assertOnlyViolation;
import static io.github.grpcretry.test.StartupFailures.invalidProperties;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * The clients are fixed when Spring AOT processes the application: started from the generated code, a client added
 * or removed since fails start-up, naming it and saying to re-run AOT processing.
 */
class RegisteredChannelClientsTests {

	@Test
	void channelBeansDependOnTheRecordOfTheirClients() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
			.withPropertyValues("grpc.clients.echo.address=localhost:1", "grpc.clients.echo.negotiation-type=plaintext")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(ManagedChannel.class);
				assertThat(context.getBeanFactory().getBeanDefinition("echoManagedChannel").getDependsOn())
					.containsExactly(RegisteredChannelClients.BEAN_NAME);
				assertThat(context.getBean(RegisteredChannelClients.class)).isNotNull();
			});
	}

	@Test
	void theBuildsClientsPass() {
		RegisteredChannelClients registered = new RegisteredChannelClients(List.of("echo", "echo-hedging"));
		assertThatNoException().isThrownBy(() -> registered.verify(clients(Map.of("grpc.clients.echo.address",
				"localhost:1", "grpc.clients.echo-hedging.address", "localhost:2"), Map.of())));
	}

	@Test
	void clientAddedSinceTheBuildIsNamedWhereItWasWritten() {
		RegisteredChannelClients registered = new RegisteredChannelClients(List.of("echo"));
		Exception failure = assertThatException().isThrownBy(() -> registered
			.verify(clients(Map.of("grpc.clients.echo.address", "localhost:1"),
					Map.of("GRPC_CLIENTS_LATE_ADDRESS", "localhost:2"))))
			.actual();
		assertOnlyViolation(failure, "grpc.clients.late.address", "localhost:2");
		assertThat(invalidProperties(failure).getViolations().get(0).origin()).contains("GRPC_CLIENTS_LATE_ADDRESS");
		FailureAnalysis analysis = StartupFailures.analysis(failure);
		assertThat(analysis.getDescription()).contains("client 'late'", "AOT-processed");
		assertThat(analysis.getAction()).contains("grpc.clients.late.address: re-run AOT processing",
				"the clients of the build are [echo]");
	}

	@Test
	void clientRemovedSinceTheBuildIsNamed() {
		RegisteredChannelClients registered = new RegisteredChannelClients(List.of("echo", "gone"));
		Exception failure = assertThatException()
			.isThrownBy(() -> registered.verify(clients(Map.of("grpc.clients.echo.address", "localhost:1"), Map.of())))
			.actual();
		assertOnlyViolation(failure, "grpc.clients.gone", null);
		FailureAnalysis analysis = StartupFailures.analysis(failure);
		assertThat(analysis.getDescription()).contains("client 'gone' was configured when the application was"
				+ " AOT-processed");
		assertThat(analysis.getAction()).contains("grpc.clients.gone: configure client 'gone' again");
	}

	private static ClientNames clients(Map<String, Object> yaml, Map<String, Object> variables) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new SystemEnvironmentPropertySource(
					StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
		environment.getPropertySources().addLast(new OriginTrackedMapPropertySource("application.yml", yaml));
		return ClientNames.of(ConfigurationPropertySources.get(environment));
	}

}
