package io.github.grpcretry.internal.properties;

import java.time.Duration;
import java.util.stream.Stream;

import io.github.grpcretry.autoconfigure.BoundClientProperties;
import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.test.UserProperties;
import io.github.grpcretry.validation.Violation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

/**
 * Durations of this starter's properties take the protobuf JSON form of gRPC service configs besides Spring's forms,
 * and only this starter's properties do.
 */
class ServiceConfigDurationConverterTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withPropertyValues(validClient().pairs());

	static Stream<Arguments> durations() {
		return Stream.of(argumentSet("protobuf, no leading zero", ".01s", Duration.ofMillis(10)),
				argumentSet("protobuf, leading zero", "0.1s", Duration.ofMillis(100)),
				argumentSet("protobuf, whole and fraction", "2.5s", Duration.ofMillis(2500)),
				argumentSet("protobuf, nanoseconds", "0.000000001s", Duration.ofNanos(1)),
				argumentSet("Spring seconds", "1s", Duration.ofSeconds(1)),
				argumentSet("Spring milliseconds", "10ms", Duration.ofMillis(10)),
				argumentSet("ISO-8601", "PT0.5S", Duration.ofMillis(500)),
				argumentSet("bare number, milliseconds", "10", Duration.ofMillis(10)));
	}

	@ParameterizedTest
	@MethodSource("durations")
	void parsesEveryForm(String text, Duration expected) {
		assertThat(ServiceConfigDurationConverter.parse(text)).isEqualTo(expected);
	}

	@Test
	void valueFinerThanANanosecondFails() {
		assertThatIllegalArgumentException().isThrownBy(() -> ServiceConfigDurationConverter.parse("0.0000000001s"))
			.withMessageContaining("finer than a nanosecond");
	}

	@Test
	void valueLongerThanGrpcJavaHoldsFailsSayingSo() {
		assertThatIllegalArgumentException().isThrownBy(() -> ServiceConfigDurationConverter.parse("315576000000.5s"))
			.withMessageContaining("longer than the 292 years");
		assertThat(ServiceConfigDurationConverter.parse("9223372036.854775807s"))
			.isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
	}

	@Test
	void textThatIsNoDurationFails() {
		assertThatIllegalArgumentException().isThrownBy(() -> ServiceConfigDurationConverter.parse("soon"));
	}

	@Test
	void starterPropertyBindsProtobufForm() {
		assertThat(bound("grpc.clients.echo.method-config[0].retry-policy.initial-backoff", ".01s").properties()
			.clients()
			.get("echo")
			.methodConfig()
			.get(0)
			.retryPolicy()
			.initialBackoff()).isEqualTo(Duration.ofMillis(10));
	}

	@Test
	void starterPropertyFinerThanANanosecondFailsBinding() {
		assertThat(bound("grpc.clients.echo.method-config[0].retry-policy.initial-backoff", "0.0000000001s")
			.failure()
			.getViolations()).extracting(Violation::property, Violation::problem)
			.contains(tuple("grpc.clients.echo.method-config[0].retry-policy.initial-backoff",
					"cannot be bound ('0.0000000001s' is finer than a nanosecond; use at most 9 decimal places)"));
	}

	// The converter is a binding of the application (a @ConfigurationPropertiesBinding bean): these start one.
	@Test
	void durationOfAnotherPropertiesClassDoesNotTakeProtobufForm() {
		this.contextRunner.withUserConfiguration(OtherPropertiesConfiguration.class)
			.withPropertyValues("grpc.clients.echo.method-config[0].retry-policy.initial-backoff=.01s",
					"other.timeout=.01s")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(bindException(context.getStartupFailure()).getName()).hasToString("other.timeout");
			});
	}

	@Test
	void durationOfAnotherPropertiesClassTakesSpringForm() {
		this.contextRunner.withUserConfiguration(OtherPropertiesConfiguration.class)
			.withPropertyValues("grpc.clients.echo.method-config[0].retry-policy.initial-backoff=.01s",
					"other.timeout=10ms")
			.run((context) -> assertThat(context.getBean(OtherProperties.class).timeout())
				.isEqualTo(Duration.ofMillis(10)));
	}

	private static BoundClientProperties bound(String property, String value) {
		return BoundClientProperties.of(validClient().with(property, value));
	}

	private static UserProperties validClient() {
		return new UserProperties().with("grpc.clients.echo.address", "localhost:50051")
			.with("grpc.clients.echo.negotiation-type", "plaintext")
			.with("grpc.clients.echo.method-config[0].name[0].service", "echo.Echo")
			.with("grpc.clients.echo.method-config[0].retry-policy.max-attempts", "4")
			.with("grpc.clients.echo.method-config[0].retry-policy.max-backoff", "1s")
			.with("grpc.clients.echo.method-config[0].retry-policy.backoff-multiplier", "2")
			.with("grpc.clients.echo.method-config[0].retry-policy.retryable-status-codes", "UNAVAILABLE");
	}

	private static BindException bindException(Throwable failure) {
		for (Throwable candidate = failure; candidate != null; candidate = candidate.getCause()) {
			if (candidate instanceof BindException bindException) {
				return bindException;
			}
		}
		throw new AssertionError("Start-up failed, but not with a BindException", failure);
	}

	@ConfigurationProperties("other")
	record OtherProperties(Duration timeout) {
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(OtherProperties.class)
	static class OtherPropertiesConfiguration {

	}

}
