package io.github.grpcretry.springgrpc;

import java.util.stream.Stream;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.test.ApplicationYaml;
import io.github.grpcretry.test.StartupFailures;
import io.github.grpcretry.test.UserProperties;
import io.github.grpcretry.validation.InvalidGrpcClientPropertiesException;
import io.github.grpcretry.validation.Violation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.AbstractEnvironment;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;

import static io.github.grpcretry.test.StartupFailures.invalidProperties;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

/**
 * A typed service config of Spring Boot 4.1's gRPC client ({@code spring.grpc.client.channel.<name>.service-config})
 * that breaks one of the starter's rules never starts, and the start-up failure names Spring Boot's property, the
 * value and the fix, as for {@code grpc.clients}. Each rule is checked by the verifier start-up runs, without an
 * application; the tests that start one prove the wiring: a valid service config starts, both trees are reported
 * together, and nothing is checked without Spring Boot's gRPC client.
 */
class SpringBootServiceConfigValidationTests {

	private static final String CHANNEL = "spring.grpc.client.channel.echo.";

	private static final String SERVICE_CONFIG = CHANNEL + "service-config.";

	private static final String ENTRY = SERVICE_CONFIG + "method[0].";

	private static final String RETRY = ENTRY + "retry.";

	private static final String HEDGING = ENTRY + "hedging.";

	private static final String THROTTLING = SERVICE_CONFIG + "retrythrottling.";

	private static final String NOT_SET = null;

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, GrpcClientAutoConfiguration.class,
				SpringBootServiceConfigAutoConfiguration.class));

	static Stream<Arguments> badValues() {
		return Stream.of(
				argumentSet("retry max-attempts is at least 2", retrying().with(RETRY + "max-attempts", "1"),
						RETRY + "max-attempts", "1"),
				argumentSet("retry max-attempts is required", retrying().without(RETRY + "max-attempts"),
						RETRY + "max-attempts", NOT_SET),
				argumentSet("initial-backoff is greater than 0", retrying().with(RETRY + "initial-backoff", "-1s"),
						RETRY + "initial-backoff", "-1s"),
				argumentSet("max-backoff is not shorter than initial-backoff",
						retrying().with(RETRY + "initial-backoff", "1s").with(RETRY + "max-backoff", "500ms"),
						RETRY + "max-backoff", "500ms"),
				argumentSet("backoff-multiplier is greater than 0", retrying().with(RETRY + "backoff-multiplier", "0"),
						RETRY + "backoff-multiplier", "0"),
				argumentSet("retryable status codes are real codes, which Spring Boot cannot bind otherwise",
						retrying().with(RETRY + "retryable-status-codes", "UNAVAILABLE,UNAVAILABL"),
						RETRY + "retryable-status-codes", "UNAVAILABLE,UNAVAILABL"),
				argumentSet("OK is never retryable", retrying().with(RETRY + "retryable-status-codes", "OK"),
						RETRY + "retryable-status-codes", "OK"),
				argumentSet("an entry has a retry or a hedging policy, not both (Spring Boot refuses it in binding)",
						retrying().with(HEDGING + "max-attempts", "3").with(HEDGING + "delay", "50ms"),
						SERVICE_CONFIG + "method[0]", NOT_SET),
				argumentSet("hedging max-attempts is at least 2", hedging().with(HEDGING + "max-attempts", "1"),
						HEDGING + "max-attempts", "1"),
				argumentSet("hedging delay is not negative", hedging().with(HEDGING + "delay", "-1ms"),
						HEDGING + "delay", "-1ms"),
				argumentSet("hedging delay is required", hedging().without(HEDGING + "delay"), HEDGING + "delay",
						NOT_SET),
				argumentSet("OK is never non-fatal",
						hedging().with(HEDGING + "non-fatal-status-codes", "UNAVAILABLE,OK"),
						HEDGING + "non-fatal-status-codes", "UNAVAILABLE,OK"),
				argumentSet("every name has a service", retrying().without(ENTRY + "name[0].service"),
						ENTRY + "name[0].service", NOT_SET),
				argumentSet("a channel has one default entry (without name)",
						retrying().without(ENTRY + "name[0].service")
							.without(ENTRY + "name[0].method")
							.with(SERVICE_CONFIG + "method[1].timeout", "1s"),
						SERVICE_CONFIG + "method[1].name", NOT_SET),
				argumentSet("a method is named once per channel",
						retrying().with(SERVICE_CONFIG + "method[1].name[0].service", "echo.Echo")
							.with(SERVICE_CONFIG + "method[1].name[0].method", "UnaryEcho")
							.with(SERVICE_CONFIG + "method[1].timeout", "1s"),
						SERVICE_CONFIG + "method[1].name[0]", "echo.Echo/UnaryEcho"),
				argumentSet("timeout is greater than 0", retrying().with(ENTRY + "timeout", "0s"), ENTRY + "timeout",
						"0s"),
				argumentSet("max-request-message is not negative",
						retrying().with(ENTRY + "max-request-message", "-1"), ENTRY + "max-request-message", "-1"),
				argumentSet("max-response-message fits an int", retrying().with(ENTRY + "max-response-message", "2GB"),
						ENTRY + "max-response-message", "2GB"),
				argumentSet("retrythrottling max-tokens is greater than 0",
						throttled().with(THROTTLING + "max-tokens", "0"), THROTTLING + "max-tokens", "0"),
				argumentSet("retrythrottling max-tokens lets a retry happen (not at 2)",
						throttled().with(THROTTLING + "max-tokens", "2"), THROTTLING + "max-tokens", "2"),
				argumentSet("retrythrottling token-ratio is kept by grpc-java as written (0.1234 would be 0.123)",
						throttled().with(THROTTLING + "token-ratio", "0.1234"), THROTTLING + "token-ratio", "0.1234"),
				argumentSet("retrythrottling token-ratio is required", throttled().without(THROTTLING + "token-ratio"),
						THROTTLING + "token-ratio", NOT_SET),
				argumentSet("a duration Spring Boot cannot bind", retrying().with(ENTRY + "timeout", "5 sec"),
						ENTRY + "timeout", "5 sec"),
				argumentSet("per-attempt-receive-timeout, which grpc-java 1.83 parses but never enforces",
						retrying().with(RETRY + "per-attempt-receive-timeout", "1s"),
						RETRY + "per-attempt-receive-timeout", "1s"));
	}

	@ParameterizedTest
	@MethodSource("badValues")
	void badValueStopsStartUpNamingSpringBootsPropertyAndTheValue(UserProperties config, String property, String value) {
		StartupFailures.assertOnlyViolation(failure(config), property, value);
	}

	// An application, not the verifier alone: Spring Boot builds its channel factory from a valid service config.
	@ParameterizedTest
	@MethodSource("validConfigurations")
	void validServiceConfigStarts(UserProperties config) {
		this.contextRunner.withPropertyValues(config.pairs())
			.run((context) -> assertThat(context).hasNotFailed().hasBean("shadedNettyGrpcChannelFactory"));
	}

	static Stream<Arguments> validConfigurations() {
		return Stream.of(argumentSet("the retry configuration of the tests", retrying()),
				argumentSet("the hedging configuration of the tests", hedging()),
				argumentSet("retry throttling of 10 tokens, 0.1 back per success", throttled()),
				argumentSet("an entry without name, the channel's default",
						retrying().without(ENTRY + "name[0].service").without(ENTRY + "name[0].method")),
				argumentSet("every method config field, and channel keys the starter does not bind",
						retrying().with(ENTRY + "timeout", "2500ms")
							.with(ENTRY + "wait-for-ready", "true")
							.with(ENTRY + "max-request-message", "1MB")
							.with(ENTRY + "max-response-message", "4MB")
							.with(CHANNEL + "user-agent", "validation-tests")
							.with(CHANNEL + "default.deadline", "5s")
							.with(SERVICE_CONFIG + "loadbalancing[0].pickfirst.shuffle-address-list", "true")
							.with(SERVICE_CONFIG + "healthcheck.service-name", "echo.Echo")));
	}

	@Test
	void unknownStatusCodeIsReportedWithTheCodesThereAre() {
		FailureAnalysis analysis = StartupFailures
			.analysis(failure(retrying().with(RETRY + "retryable-status-codes", "UNAVAILABLE,UNAVAILABL")));
		assertThat(analysis.getDescription()).contains("UNAVAILABL");
		assertThat(analysis.getAction()).contains(RETRY + "retryable-status-codes: write code names such as UNAVAILABLE")
			.contains("OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS,"
					+ " PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE,"
					+ " UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS, UNAUTHENTICATED");
	}

	@Test
	void perAttemptReceiveTimeoutIsRefusedWithTheReasonAndTheFix() {
		FailureAnalysis analysis = StartupFailures
			.analysis(failure(retrying().with(RETRY + "per-attempt-receive-timeout", "100ms")));
		// GrpcJavaLimitsTests proves against grpc-java that it does not cut a hung attempt off.
		assertThat(analysis.getDescription()).contains("Property: " + RETRY + "per-attempt-receive-timeout")
			.contains("grpc-java issue 12919");
		assertThat(analysis.getAction()).contains(RETRY + "per-attempt-receive-timeout: remove it")
			.contains(ENTRY + "timeout");
	}

	@Test
	void valueWrittenInYamlIsReportedWhereItWasWritten() {
		assertThat(failure(ApplicationYaml.propertySources("""
				spring:
				  grpc:
				    client:
				      channel:
				        echo:
				          service-config:
				            method:
				              - name:
				                  - service: echo.Echo
				                retry:
				                  max-attempts: 1
				                  initial-backoff: 10ms
				                  max-backoff: 10ms
				                  backoff-multiplier: 1.0
				                  retryable-status-codes:
				                    - UNAVAILABLE
				                    - UNAVAILABL
				""").toArray(PropertySource<?>[]::new)).getViolations())
			.extracting(Violation::property, Violation::value, Violation::origin)
			.containsExactly(tuple(RETRY + "retryable-status-codes[1]", "UNAVAILABL",
					"Byte array resource [application.yml] - 17:23"));
	}

	@Test
	void defaultChannelIsCheckedToo() {
		String retry = "spring.grpc.client.channel.default.service-config.method[0].retry.";
		assertThat(failure(new UserProperties().with(retry + "max-attempts", "1")).getViolations())
			.extracting(Violation::property)
			.containsExactlyInAnyOrder(retry + "max-attempts", retry + "initial-backoff", retry + "max-backoff",
					retry + "backoff-multiplier", retry + "retryable-status-codes");
	}

	@Test
	void valueSpringBootCannotBindDoesNotStopTheOtherChannelsFromBeingChecked() {
		InvalidGrpcClientPropertiesException failure = failure(retrying()
			.with(RETRY + "retryable-status-codes", "UNAVAILABL")
			.with("spring.grpc.client.channel.other.service-config.method[0].retry.max-attempts", "1"));
		// Nothing is reported as missing on the echo channel because its one code could not be bound.
		assertThat(failure.getViolations()).extracting(Violation::property)
			.contains(RETRY + "retryable-status-codes",
					"spring.grpc.client.channel.other.service-config.method[0].retry.max-attempts")
			.noneMatch((property) -> property.startsWith(CHANNEL) && !property.endsWith("status-codes"));
	}

	@Test
	void everyTreeIsReportedInItsOwnKeyNames() {
		assertThat(failure(retrying().with(HEDGING + "max-attempts", "3").with(HEDGING + "delay", "50ms"))
			.getViolations()).singleElement()
			.satisfies((violation) -> assertThat(violation.problem()).startsWith("has both retry and hedging;"))
			.satisfies((violation) -> assertThat(violation.fix()).startsWith("keep retry to retry"));
		// Both trees in one application: each reported in its own key names.
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, GrpcRetryAutoConfiguration.class,
					GrpcClientAutoConfiguration.class, SpringBootServiceConfigAutoConfiguration.class))
			.withPropertyValues(retrying().pairs())
			.withPropertyValues("grpc.clients.echo.address=localhost:50051",
					"grpc.clients.echo.method-config[0].retry-policy.max-attempts=4",
					"grpc.clients.echo.method-config[0].hedging-policy.max-attempts=3")
			.run((context) -> assertThat(invalidProperties(context.getStartupFailure()).getViolations())
				.filteredOn((violation) -> violation.property().equals("grpc.clients.echo.method-config[0]"))
				.singleElement()
				.satisfies((violation) -> assertThat(violation.problem())
					.startsWith("has both retry-policy and hedging-policy;")));
	}

	@Test
	void notCheckedWhenSpringBootsGrpcClientIsDisabled() {
		this.contextRunner.withPropertyValues(retrying().with(RETRY + "max-attempts", "1").pairs())
			.withPropertyValues("spring.grpc.client.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(SpringBootServiceConfigVerifier.class));
	}

	@Test
	void notCheckedWithoutSpringBootsGrpcClient() {
		new ApplicationContextRunner().withClassLoader(new FilteredClassLoader("org.springframework.boot.grpc.client"))
			.withConfiguration(AutoConfigurations.of(SpringBootServiceConfigAutoConfiguration.class))
			.withPropertyValues(retrying().with(RETRY + "max-attempts", "1").pairs())
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(SpringBootServiceConfigVerifier.class));
	}

	// What start-up runs on Spring Boot's channels before any bean is created, without an application.
	private static InvalidGrpcClientPropertiesException failure(UserProperties config) {
		return failure(new MapPropertySource("test properties", config.asMap()));
	}

	private static InvalidGrpcClientPropertiesException failure(PropertySource<?>... sources) {
		ConfigurableEnvironment environment = new AbstractEnvironment() {
		};
		for (PropertySource<?> source : sources) {
			environment.getPropertySources().addLast(source);
		}
		SpringBootServiceConfigVerifier verifier = new SpringBootServiceConfigVerifier();
		verifier.setEnvironment(environment);
		try {
			verifier.postProcessBeanFactory(new DefaultListableBeanFactory());
		}
		catch (InvalidGrpcClientPropertiesException ex) {
			return ex;
		}
		throw new AssertionError("Start-up would go on: no property breaks a rule");
	}

	private static UserProperties retrying() {
		return new UserProperties().with(CHANNEL + "target", "static://127.0.0.1:50051")
			.with(ENTRY + "name[0].service", "echo.Echo")
			.with(ENTRY + "name[0].method", "UnaryEcho")
			.with(RETRY + "max-attempts", "4")
			.with(RETRY + "initial-backoff", "10ms")
			.with(RETRY + "max-backoff", "10ms")
			.with(RETRY + "backoff-multiplier", "1.0")
			.with(RETRY + "retryable-status-codes", "UNAVAILABLE");
	}

	private static UserProperties hedging() {
		return retrying().without(RETRY + "max-attempts")
			.without(RETRY + "initial-backoff")
			.without(RETRY + "max-backoff")
			.without(RETRY + "backoff-multiplier")
			.without(RETRY + "retryable-status-codes")
			.with(HEDGING + "max-attempts", "3")
			.with(HEDGING + "delay", "50ms")
			.with(HEDGING + "non-fatal-status-codes", "UNAVAILABLE");
	}

	private static UserProperties throttled() {
		return retrying().with(THROTTLING + "max-tokens", "10").with(THROTTLING + "token-ratio", "0.1");
	}

}
