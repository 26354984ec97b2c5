package io.github.grpcretry.internal.validation;

import java.util.Map;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.validation.InvalidGrpcClientPropertiesException;
import io.github.grpcretry.validation.Violation;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keys under {@code grpc.clients} are checked against the client properties as each source writes them: in
 * environment variables, and across sources that override one another.
 */
class UnknownClientPropertiesTests {

	private static final String ENTRY = "grpc.clients.echo.method-config[0].";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class));

	@Test
	void keyBelowPlainValueIsUnknown() {
		this.contextRunner
			.withPropertyValues("grpc.clients.echo.address=localhost:50052", "grpc.clients.echo.address.host=x")
			.run((context) -> assertThat(violations(context.getStartupFailure()))
				.singleElement()
				.satisfies((violation) -> {
					assertThat(violation.property()).isEqualTo("grpc.clients.echo.address.host");
					assertThat(violation.fix()).contains("'address.host'");
				}));
	}

	@Test
	void perAttemptReceiveTimeoutIsRefusedAsASettingGrpcJavaDoesNotEnforceNotAsAMisspelling() {
		// Spring Boot 4.1's key and grpc-java's, as a user coming from either would write them.
		this.contextRunner.withPropertyValues("grpc.clients.echo.address=localhost:50052",
				ENTRY + "name[0].service=echo.Echo", ENTRY + "retry-policy.max-attempts=4",
				ENTRY + "retry-policy.initial-backoff=.01s", ENTRY + "retry-policy.max-backoff=.01s",
				ENTRY + "retry-policy.backoff-multiplier=1.0", ENTRY + "retry-policy.retryable-status-codes=UNAVAILABLE",
				ENTRY + "retry-policy.per-attempt-receive-timeout=1s", ENTRY + "retry-policy.per-attempt-recv-timeout=1s")
			.run((context) -> assertThat(violations(context.getStartupFailure())).hasSize(2).allSatisfy((violation) -> {
				assertThat(violation.property()).startsWith(ENTRY + "retry-policy.per-attempt-");
				assertThat(violation.problem()).contains("grpc-java issue 12919");
				assertThat(violation.fix()).startsWith("remove it").contains(ENTRY + "timeout");
			}));
	}

	@Test
	void listElementsOverriddenByAnotherSourceAreNotTakenForMisspellings() {
		// Spring Boot binds method-config from the override alone, so the entry loses its name and its backoffs:
		// those are reported as missing, but the file's keys are real keys, not misspellings.
		this.contextRunner.withPropertyValues("grpc.clients.echo.address=localhost:50052",
				ENTRY + "name[0].service=echo.Echo", ENTRY + "retry-policy.max-attempts=4",
				ENTRY + "retry-policy.initial-backoff=.01s", ENTRY + "retry-policy.max-backoff=.01s",
				ENTRY + "retry-policy.backoff-multiplier=1.0", ENTRY + "retry-policy.retryable-status-codes=UNAVAILABLE")
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("override", Map.of(ENTRY + "retry-policy.max-attempts", "3"))))
			.run((context) -> assertThat(violations(context.getStartupFailure()))
				.extracting(Violation::problem)
				.isNotEmpty()
				.noneMatch((problem) -> problem.contains("is not a property")));
	}

	@Test
	void environmentVariablesInSpringBootsFormBind() {
		this.contextRunner.withInitializer((context) -> context.getEnvironment()
			.getPropertySources()
			.addFirst(environment(Map.of("GRPC_CLIENTS_ECHO_ADDRESS", "localhost:50052",
					"GRPC_CLIENTS_ECHO_NEGOTIATIONTYPE", "plaintext",
					"GRPC_CLIENTS_ECHO_METHODCONFIG_0_NAME_0_SERVICE", "echo.Echo",
					"GRPC_CLIENTS_ECHO_METHODCONFIG_0_TIMEOUT", "2s"))))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasBean("echoManagedChannel");
				assertThat(context.getBean("echoManagedChannel")).isInstanceOf(ManagedChannel.class);
			});
	}

	@Test
	void misspeltEnvironmentVariableIsReported() {
		this.contextRunner.withInitializer((context) -> context.getEnvironment()
			.getPropertySources()
			.addFirst(environment(Map.of("GRPC_CLIENTS_ECHO_ADDRESS", "localhost:50052",
					"GRPC_CLIENTS_ECHO_NEGOTATIONTYPE", "plaintext"))))
			.run((context) -> assertThat(violations(context.getStartupFailure())).singleElement()
				.satisfies((violation) -> {
					assertThat(violation.property()).isEqualTo("grpc.clients.echo.negotationtype");
					assertThat(violation.value()).isEqualTo("plaintext");
					assertThat(violation.fix()).contains("negotiation-type");
				}));
	}

	private static SystemEnvironmentPropertySource environment(Map<String, Object> variables) {
		return new SystemEnvironmentPropertySource("test-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
				variables);
	}

	private static java.util.List<Violation> violations(Throwable failure) {
		Throwable cause = failure;
		while (cause != null && !(cause instanceof InvalidGrpcClientPropertiesException)) {
			cause = cause.getCause();
		}
		assertThat(cause).as("start-up failure caused by invalid gRPC client properties").isNotNull();
		return ((InvalidGrpcClientPropertiesException) cause).getViolations();
	}

}
