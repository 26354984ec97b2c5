package io.github.grpcretry.internal.validation;

import java.util.Map;

import io.github.grpcretry.autoconfigure.BoundClientProperties;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.MethodConfigProperties;
import io.github.grpcretry.properties.NegotiationType;
import io.github.grpcretry.test.UserProperties;
import io.github.grpcretry.validation.Violation;
import org.junit.jupiter.api.Test;

import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Keys under {@code grpc.clients} are checked against the client properties as each source writes them: in
 * environment variables, and across sources that override one another.
 */
class UnknownClientPropertiesTests {

	private static final String ENTRY = "grpc.clients.echo.method-config[0].";

	@Test
	void keyBelowPlainValueIsUnknown() {
		assertThat(BoundClientProperties
			.of(new UserProperties().with("grpc.clients.echo.address", "localhost:50052")
				.with("grpc.clients.echo.address.host", "x"))
			.failure()
			.getViolations()).singleElement().satisfies((violation) -> {
				assertThat(violation.property()).isEqualTo("grpc.clients.echo.address.host");
				assertThat(violation.fix()).contains("'address.host'");
			});
	}

	@Test
	void perAttemptReceiveTimeoutIsRefusedAsASettingGrpcJavaDoesNotEnforceNotAsAMisspelling() {
		// Spring Boot 4.1's key and grpc-java's, as a user coming from either would write them.
		assertThat(BoundClientProperties
			.of(retrying().with(ENTRY + "retry-policy.per-attempt-receive-timeout", "1s")
				.with(ENTRY + "retry-policy.per-attempt-recv-timeout", "1s"))
			.failure()
			.getViolations()).hasSize(2).allSatisfy((violation) -> {
				assertThat(violation.property()).startsWith(ENTRY + "retry-policy.per-attempt-");
				assertThat(violation.problem()).contains("grpc-java issue 12919");
				assertThat(violation.fix()).startsWith("remove it").contains(ENTRY + "timeout");
			});
	}

	@Test
	void listElementsOverriddenByAnotherSourceAreNotTakenForMisspellings() {
		// Spring Boot binds method-config from the override alone, so the entry loses its name and its backoffs:
		// those are reported as missing, but the file's keys are real keys, not misspellings.
		assertThat(BoundClientProperties
			.of(new MapPropertySource("override", Map.of(ENTRY + "retry-policy.max-attempts", "3")),
					new MapPropertySource("application.properties", retrying().asMap()))
			.failure()
			.getViolations()).extracting(Violation::problem)
			.isNotEmpty()
			.noneMatch((problem) -> problem.contains("is not a property"));
	}

	@Test
	void environmentVariablesInSpringBootsFormBind() {
		BoundClientProperties bound = BoundClientProperties.of(environment(Map.of("GRPC_CLIENTS_ECHO_ADDRESS",
				"localhost:50052", "GRPC_CLIENTS_ECHO_NEGOTIATIONTYPE", "plaintext",
				"GRPC_CLIENTS_ECHO_METHODCONFIG_0_NAME_0_SERVICE", "echo.Echo",
				"GRPC_CLIENTS_ECHO_METHODCONFIG_0_TIMEOUT", "2s")));
		assertThatNoException().isThrownBy(bound::verify);
		ClientProperties echo = bound.properties().clients().get("echo");
		assertThat(echo.address()).isEqualTo("localhost:50052");
		assertThat(echo.negotiationType()).isEqualTo(NegotiationType.PLAINTEXT);
		assertThat(echo.methodConfig()).singleElement().satisfies((entry) -> {
			assertThat(entry.name()).extracting(MethodConfigProperties.Name::service).containsExactly("echo.Echo");
			assertThat(entry.timeout()).hasSeconds(2);
		});
	}

	@Test
	void misspeltEnvironmentVariableIsReported() {
		assertThat(BoundClientProperties
			.of(environment(Map.of("GRPC_CLIENTS_ECHO_ADDRESS", "localhost:50052", "GRPC_CLIENTS_ECHO_NEGOTATIONTYPE",
					"plaintext")))
			.failure()
			.getViolations()).singleElement().satisfies((violation) -> {
				assertThat(violation.property()).isEqualTo("grpc.clients.echo.negotationtype");
				assertThat(violation.value()).isEqualTo("plaintext");
				assertThat(violation.fix()).contains("negotiation-type");
			});
	}

	private static UserProperties retrying() {
		return new UserProperties().with("grpc.clients.echo.address", "localhost:50052")
			.with(ENTRY + "name[0].service", "echo.Echo")
			.with(ENTRY + "retry-policy.max-attempts", "4")
			.with(ENTRY + "retry-policy.initial-backoff", ".01s")
			.with(ENTRY + "retry-policy.max-backoff", ".01s")
			.with(ENTRY + "retry-policy.backoff-multiplier", "1.0")
			.with(ENTRY + "retry-policy.retryable-status-codes", "UNAVAILABLE");
	}

	// The process's environment variables as Spring's own source of them, which Spring Boot reads relaxed.
	private static SystemEnvironmentPropertySource environment(Map<String, Object> variables) {
		return new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
				variables);
	}

}
