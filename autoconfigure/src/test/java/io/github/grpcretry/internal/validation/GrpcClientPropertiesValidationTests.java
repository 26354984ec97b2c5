package io.github.grpcretry.internal.validation;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.stream.Stream;

import io.github.grpcretry.autoconfigure.BoundClientProperties;
import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.test.GrpcJavaUnderTest;
import io.github.grpcretry.test.StartupFailures;
import io.github.grpcretry.test.UserProperties;
import io.github.grpcretry.validation.InvalidGrpcClientPropertiesException;
import io.github.grpcretry.validation.Violation;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;

import static io.github.grpcretry.test.StartupFailures.invalidProperties;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

/**
 * A client configuration that breaks a rule never starts, and the start-up failure names the property, the value and
 * the fix. Each rule is checked on properties bound and verified as start-up binds and verifies them
 * ({@link BoundClientProperties}); the tests that start an application prove the wiring: a failure report as a user
 * reads it, every kind of violation in one failure, and a channel that grpc-java builds from valid values.
 */
@ExtendWith(OutputCaptureExtension.class)
class GrpcClientPropertiesValidationTests {

	private static final String CLIENT = "grpc.clients.echo.";

	private static final String ENTRY = CLIENT + "method-config[0].";

	private static final String RETRY = ENTRY + "retry-policy.";

	private static final String HEDGING = ENTRY + "hedging-policy.";

	private static final String NOT_SET = null;

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, GrpcRetryAutoConfiguration.class));

	static Stream<Arguments> badValues() {
		return Stream.of(
				argumentSet("address is required", retrying().without(CLIENT + "address"), CLIENT + "address",
						NOT_SET),
				argumentSet("static:// backends are host:port",
						retrying().with(CLIENT + "address", "static://127.0.0.1:50051,127.0.0.1"), CLIENT + "address",
						"static://127.0.0.1:50051,127.0.0.1"),
				argumentSet("static:// backend ports are in range",
						retrying().with(CLIENT + "address", "static://127.0.0.1:50051,127.0.0.1:70000"),
						CLIENT + "address", "static://127.0.0.1:50051,127.0.0.1:70000"),
				argumentSet("static:// backends hold no user-info, shown masked",
						retrying().with(CLIENT + "address", "static://127.0.0.1:50051,admin:s3cret@127.0.0.1:50052"),
						CLIENT + "address", "static://127.0.0.1:50051,****@127.0.0.1:50052"),
				argumentSet("ssl.bundle is rejected with plaintext", retrying().with(CLIENT + "ssl.bundle", "client"),
						CLIENT + "ssl.bundle", "client"),
				argumentSet("ssl.bundle must name a bundle",
						retrying().with(CLIENT + "negotiation-type", "tls").with(CLIENT + "ssl.bundle", "missing"),
						CLIENT + "ssl.bundle", "missing"),
				argumentSet("retry max-attempts is at least 2", retrying().with(RETRY + "max-attempts", "1"),
						RETRY + "max-attempts", "1"),
				argumentSet("retry max-attempts is required", retrying().without(RETRY + "max-attempts"),
						RETRY + "max-attempts", NOT_SET),
				argumentSet("initial-backoff is greater than 0", retrying().with(RETRY + "initial-backoff", "0s"),
						RETRY + "initial-backoff", "0s"),
				argumentSet("initial-backoff is required", retrying().without(RETRY + "initial-backoff"),
						RETRY + "initial-backoff", NOT_SET),
				argumentSet("max-backoff is greater than 0", retrying().with(RETRY + "max-backoff", "-1ms"),
						RETRY + "max-backoff", "-1ms"),
				argumentSet("max-backoff is required", retrying().without(RETRY + "max-backoff"),
						RETRY + "max-backoff", NOT_SET),
				argumentSet("backoff-multiplier is greater than 0", retrying().with(RETRY + "backoff-multiplier", "0"),
						RETRY + "backoff-multiplier", "0"),
				argumentSet("backoff-multiplier is required", retrying().without(RETRY + "backoff-multiplier"),
						RETRY + "backoff-multiplier", NOT_SET),
				argumentSet("retryable-status-codes is not empty",
						retrying().with(RETRY + "retryable-status-codes", ""), RETRY + "retryable-status-codes", ""),
				argumentSet("retryable-status-codes is required", retrying().without(RETRY + "retryable-status-codes"),
						RETRY + "retryable-status-codes", NOT_SET),
				argumentSet("retryable status codes are real codes, in a list written as one value",
						retrying().with(RETRY + "retryable-status-codes", "UNAVAILABLE,UNAVAILBLE"),
						RETRY + "retryable-status-codes", "UNAVAILABLE,UNAVAILBLE"),
				argumentSet("retryable status codes are real codes, in a list written by index",
						retrying().without(RETRY + "retryable-status-codes")
							.with(RETRY + "retryable-status-codes[0]", "UNAVAILABLE")
							.with(RETRY + "retryable-status-codes[1]", "UNAVAILBLE")
							.with(RETRY + "retryable-status-codes[2]", "ABORTED"),
						RETRY + "retryable-status-codes[1]", "UNAVAILBLE"),
				argumentSet("OK is never retryable", retrying().with(RETRY + "retryable-status-codes", "OK"),
						RETRY + "retryable-status-codes", "OK"),
				argumentSet("retry max-attempts is a number", retrying().with(RETRY + "max-attempts", "three"),
						RETRY + "max-attempts", "three"),
				argumentSet("initial-backoff is a duration", retrying().with(RETRY + "initial-backoff", "soon"),
						RETRY + "initial-backoff", "soon"),
				argumentSet("negotiation-type is one of its values", retrying().with(CLIENT + "negotiation-type", "tsl"),
						CLIENT + "negotiation-type", "tsl"),
				argumentSet("retries is configured or off", retrying().with(CLIENT + "retries", "of"),
						CLIENT + "retries", "of"),
				argumentSet("hedging max-attempts is at least 2", hedging().with(HEDGING + "max-attempts", "1"),
						HEDGING + "max-attempts", "1"),
				argumentSet("hedging-delay is not negative", hedging().with(HEDGING + "hedging-delay", "-1ms"),
						HEDGING + "hedging-delay", "-1ms"),
				argumentSet("hedging-delay is required", hedging().without(HEDGING + "hedging-delay"),
						HEDGING + "hedging-delay", NOT_SET),
				argumentSet("OK is never non-fatal (by number too)",
						hedging().with(HEDGING + "non-fatal-status-codes", "UNAVAILABLE,0"),
						HEDGING + "non-fatal-status-codes", "UNAVAILABLE,0"),
				argumentSet("non-fatal status codes are real codes",
						hedging().with(HEDGING + "non-fatal-status-codes", "17"), HEDGING + "non-fatal-status-codes",
						"17"),
				argumentSet("hedging-delay is a duration", hedging().with(HEDGING + "hedging-delay", "soon"),
						HEDGING + "hedging-delay", "soon"),
				argumentSet("an entry has a retry-policy or a hedging-policy, not both",
						retrying().with(HEDGING + "max-attempts", "3").with(HEDGING + "hedging-delay", "50ms"),
						"grpc.clients.echo.method-config[0]", NOT_SET),
				argumentSet("every name has a service", retrying().without(ENTRY + "name[0].service"),
						ENTRY + "name[0].service", NOT_SET),
				argumentSet("a client has one default entry (without name)",
						retrying().without(ENTRY + "name[0].service")
							.without(ENTRY + "name[0].method")
							.with(CLIENT + "method-config[1].timeout", "1s"),
						CLIENT + "method-config[1].name", NOT_SET),
				argumentSet("a method is named once per client",
						retrying().with(CLIENT + "method-config[1].name[0].service", "echo.Echo")
							.with(CLIENT + "method-config[1].name[0].method", "UnaryEcho")
							.with(CLIENT + "method-config[1].timeout", "1s"),
						CLIENT + "method-config[1].name[0]", "echo.Echo/UnaryEcho"),
				argumentSet("a service-wide entry is named once per client",
						retrying().without(ENTRY + "name[0].method")
							.with(CLIENT + "method-config[1].name[0].service", "echo.Echo")
							.with(CLIENT + "method-config[1].timeout", "1s"),
						CLIENT + "method-config[1].name[0]", "echo.Echo/*"),
				argumentSet("retry-throttling max-tokens is greater than 0",
						throttled().with(CLIENT + "retry-throttling.max-tokens", "0"),
						CLIENT + "retry-throttling.max-tokens", "0"),
				argumentSet("retry-throttling max-tokens is at most 1000",
						throttled().with(CLIENT + "retry-throttling.max-tokens", "1001"),
						CLIENT + "retry-throttling.max-tokens", "1001"),
				argumentSet("retry-throttling max-tokens is required",
						throttled().without(CLIENT + "retry-throttling.max-tokens"),
						CLIENT + "retry-throttling.max-tokens", NOT_SET),
				argumentSet("retry-throttling token-ratio is greater than 0",
						throttled().with(CLIENT + "retry-throttling.token-ratio", "0"),
						CLIENT + "retry-throttling.token-ratio", "0"),
				argumentSet("retry-throttling token-ratio has at most 3 decimal places",
						throttled().with(CLIENT + "retry-throttling.token-ratio", "0.1234"),
						CLIENT + "retry-throttling.token-ratio", "0.1234"),
				argumentSet("retry-throttling max-tokens is kept by grpc-java as written (2.001 would be 2)",
						throttled().with(CLIENT + "retry-throttling.max-tokens", "2.001"),
						CLIENT + "retry-throttling.max-tokens", "2.001"),
				argumentSet("retry-throttling max-tokens lets a retry happen (not at 2)",
						throttled().with(CLIENT + "retry-throttling.max-tokens", "2"),
						CLIENT + "retry-throttling.max-tokens", "2"),
				argumentSet("retry-throttling token-ratio is kept by grpc-java as written (0.251 would be 0.25)",
						throttled().with(CLIENT + "retry-throttling.token-ratio", "0.251"),
						CLIENT + "retry-throttling.token-ratio", "0.251"),
				argumentSet("retry-throttling token-ratio fits grpc-java's int of thousandths",
						throttled().with(CLIENT + "retry-throttling.token-ratio", "3000000"),
						CLIENT + "retry-throttling.token-ratio", "3000000"),
				argumentSet("retry-throttling token-ratio does not overflow grpc-java's token count",
						throttled().with(CLIENT + "retry-throttling.token-ratio", "2147483.52"),
						CLIENT + "retry-throttling.token-ratio", "2147483.52"),
				argumentSet("retry-throttling token-ratio is required",
						throttled().without(CLIENT + "retry-throttling.token-ratio"),
						CLIENT + "retry-throttling.token-ratio", NOT_SET),
				argumentSet("retry-buffer-size is greater than 0", retrying().with(CLIENT + "retry-buffer-size", "0"),
						CLIENT + "retry-buffer-size", "0"),
				argumentSet("per-rpc-buffer-limit is greater than 0",
						retrying().with(CLIENT + "per-rpc-buffer-limit", "0KB"), CLIENT + "per-rpc-buffer-limit",
						"0KB"),
				argumentSet("max-request-message-bytes is not negative",
						retrying().with(ENTRY + "max-request-message-bytes", "-1"), ENTRY + "max-request-message-bytes",
						"-1"),
				argumentSet("max-response-message-bytes fits an int",
						retrying().with(ENTRY + "max-response-message-bytes", "2GB"),
						ENTRY + "max-response-message-bytes", "2GB"),
				argumentSet("max-inbound-message-size is not negative",
						retrying().with(CLIENT + "max-inbound-message-size", "-1B"),
						CLIENT + "max-inbound-message-size", "-1B"),
				argumentSet("max-inbound-metadata-size fits an int",
						retrying().with(CLIENT + "max-inbound-metadata-size", "3GB"),
						CLIENT + "max-inbound-metadata-size", "3GB"),
				argumentSet("timeout is greater than 0", retrying().with(ENTRY + "timeout", "0s"), ENTRY + "timeout",
						"0s"),
				argumentSet("timeout is within grpc-java's latest deadline (100 years)",
						retrying().with(ENTRY + "timeout", "36501d"), ENTRY + "timeout", "36501d"),
				argumentSet("a backoff fits grpc-java's nanoseconds",
						retrying().with(RETRY + "max-backoff", "PT2562047H47M16.854775808S"), RETRY + "max-backoff",
						"PT2562047H47M16.854775808S"),
				argumentSet("a backoff is within protobuf's range",
						retrying().with(RETRY + "initial-backoff", "3652500001d"),
						RETRY + "initial-backoff", "3652500001d"),
				argumentSet("max-backoff is not shorter than initial-backoff",
						retrying().with(RETRY + "initial-backoff", "1s").with(RETRY + "max-backoff", ".5s"),
						RETRY + "max-backoff", ".5s"),
				argumentSet("hedging-delay fits grpc-java's nanoseconds",
						hedging().with(HEDGING + "hedging-delay", "106752d"), HEDGING + "hedging-delay", "106752d"),
				argumentSet("keep-alive time is not below grpc-java's 10s",
						retrying().with(CLIENT + "keep-alive.time", "9999ms"), CLIENT + "keep-alive.time", "9999ms"),
				argumentSet("keep-alive time fits nanoseconds", retrying().with(CLIENT + "keep-alive.time", "106752d"),
						CLIENT + "keep-alive.time", "106752d"),
				argumentSet("keep-alive timeout is not below grpc-java's 10ms",
						retrying().with(CLIENT + "keep-alive.timeout", "9ms"), CLIENT + "keep-alive.timeout", "9ms"),
				argumentSet("idle-timeout is not below grpc-java's 1s",
						retrying().with(CLIENT + "idle-timeout", "999ms"), CLIENT + "idle-timeout", "999ms"),
				argumentSet("idle-timeout is whole milliseconds",
						retrying().with(CLIENT + "idle-timeout", "1000500us"), CLIENT + "idle-timeout", "1000500us"),
				argumentSet("idle-timeout fits nanoseconds", retrying().with(CLIENT + "idle-timeout", "106752d"),
						CLIENT + "idle-timeout", "106752d"),
				argumentSet("shutdown-grace-period fits nanoseconds",
						retrying().with(CLIENT + "shutdown-grace-period", "106752d"), CLIENT + "shutdown-grace-period",
						"106752d"),
				argumentSet("max-inbound-metadata-size is greater than 0",
						retrying().with(CLIENT + "max-inbound-metadata-size", "0"),
						CLIENT + "max-inbound-metadata-size", "0"),
				argumentSet("shutdown-grace-period is not negative",
						retrying().with(CLIENT + "shutdown-grace-period", "-1s"), CLIENT + "shutdown-grace-period",
						"-1s"),
				argumentSet("keep-alive time is greater than 0", retrying().with(CLIENT + "keep-alive.time", "0s"),
						CLIENT + "keep-alive.time", "0s"),
				argumentSet("keep-alive timeout is greater than 0",
						retrying().with(CLIENT + "keep-alive.timeout", "0ms"), CLIENT + "keep-alive.timeout", "0ms"),
				argumentSet("idle-timeout is greater than 0", retrying().with(CLIENT + "idle-timeout", "0s"),
						CLIENT + "idle-timeout", "0s"),
				argumentSet("a misspelt policy key is reported",
						retrying().with(ENTRY + "retry-polcy.max-attempts", "4"),
						"grpc.clients.echo.method-config[0].retry-polcy.max-attempts", "4"),
				argumentSet("a misspelt method key is reported, not read as every method",
						retrying().without(ENTRY + "name[0].method").with(ENTRY + "name[0].metod", "UnaryEcho"),
						"grpc.clients.echo.method-config[0].name[0].metod", "UnaryEcho"),
				argumentSet("a misspelt optional policy key is reported",
						hedging().without(HEDGING + "non-fatal-status-codes")
							.with(HEDGING + "non-fatal-status-code", "UNAVAILABLE"),
						"grpc.clients.echo.method-config[0].hedging-policy.non-fatal-status-code", "UNAVAILABLE"),
				argumentSet("a misspelt client key is reported", retrying().with(CLIENT + "adress", "localhost:50051"),
						CLIENT + "adress", "localhost:50051"));
	}

	@ParameterizedTest
	@MethodSource("badValues")
	void badValueStopsStartUpNamingThePropertyAndTheValue(UserProperties config, String property, String value) {
		StartupFailures.assertOnlyViolation(BoundClientProperties.of(config).failure(), property, value);
	}

	// An application, not the verifier alone: a value on the boundary passes the rules, and grpc-java builds the
	// channel with it.
	@ParameterizedTest
	@MethodSource("validBoundaries")
	void valueOnTheBoundaryStarts(UserProperties config) {
		this.contextRunner.withPropertyValues(config.pairs())
			.run((context) -> assertThat(context).hasNotFailed().hasBean("echoManagedChannel"));
	}

	static Stream<Arguments> validBoundaries() {
		return Stream.of(argumentSet("the retry configuration of the tests", retrying()),
				argumentSet("the hedging configuration of the tests", hedging()),
				argumentSet("status codes by number and in kebab-case",
						retrying().with(RETRY + "retryable-status-codes", "14,resource-exhausted,16")),
				argumentSet("max-tokens 1000", throttled().with(CLIENT + "retry-throttling.max-tokens", "1000")),
				argumentSet("token-ratio 0.001", throttled().with(CLIENT + "retry-throttling.token-ratio", "0.001")),
				argumentSet("max-tokens 2.002, the smallest that lets a retry happen",
						throttled().with(CLIENT + "retry-throttling.max-tokens", "2.002")),
				argumentSet("token-ratio as large as max-tokens",
						throttled().with(CLIENT + "retry-throttling.token-ratio", "10")),
				argumentSet("an entry without name is the client's default",
						retrying().without(ENTRY + "name[0].service").without(ENTRY + "name[0].method")),
				argumentSet("a default entry beside named ones",
						retrying().with(CLIENT + "method-config[1].timeout", "1s")),
				argumentSet("timeout 36500d, grpc-java's latest deadline",
						retrying().with(ENTRY + "timeout", "36500d")),
				argumentSet("backoffs of 292 years, the most nanoseconds grpc-java holds",
						retrying().with(RETRY + "initial-backoff", "PT2562047H47M16.854775807S")
							.with(RETRY + "max-backoff", "PT2562047H47M16.854775807S")),
				argumentSet("max-backoff equal to initial-backoff", retrying().with(RETRY + "max-backoff", "10ms")),
				argumentSet("keep-alive time 10s, timeout 10ms", retrying().with(CLIENT + "keep-alive.time", "10s")
					.with(CLIENT + "keep-alive.timeout", "10ms")),
				argumentSet("idle-timeout 1s", retrying().with(CLIENT + "idle-timeout", "1s")),
				argumentSet("idle-timeout 30d, which turns idle mode off",
						retrying().with(CLIENT + "idle-timeout", "30d")),
				argumentSet("max-inbound-metadata-size 1B", retrying().with(CLIENT + "max-inbound-metadata-size", "1")),
				argumentSet("retry max-attempts 2", retrying().with(RETRY + "max-attempts", "2")),
				argumentSet("hedging max-attempts 2", hedging().with(HEDGING + "max-attempts", "2")),
				argumentSet("hedging-delay 0s", hedging().with(HEDGING + "hedging-delay", "0s")),
				argumentSet("message bytes 0", retrying().with(ENTRY + "max-request-message-bytes", "0")
					.with(ENTRY + "max-response-message-bytes", "0")),
				argumentSet("message bytes 2GB - 1B",
						retrying().with(ENTRY + "max-request-message-bytes", "2147483647")),
				argumentSet("shutdown-grace-period 0s", retrying().with(CLIENT + "shutdown-grace-period", "0s")),
				argumentSet("static:// backends", retrying().with(CLIENT + "address",
						"static://127.0.0.1:50051, 127.0.0.1:50052,[::1]:50053")));
	}

	@Test
	void entryLeftWithoutNameByAnOverrideInAnotherSourceIsNotTakenForTheDefault() {
		// application.yml names the calls; an override of one field elsewhere makes Spring Boot bind the list from
		// the override alone, which would silently turn the entry into a client-wide default without retries.
		InvalidGrpcClientPropertiesException failure = BoundClientProperties
			.of(new MapPropertySource("override",
					new UserProperties().with(CLIENT + "address", "localhost:50051")
						.with(ENTRY + "timeout", "5s")
						.asMap()),
					new MapPropertySource("application.yml", retrying().asMap()))
			.failure();
		assertThat(failure.getViolations()).singleElement()
			.satisfies((violation) -> assertThat(violation.property()).isEqualTo(ENTRY + "name"))
			.satisfies((violation) -> assertThat(violation.fix()).contains("name: []"));
	}

	@Test
	void entryMeantAsTheDefaultInAnOverridingSourceSaysSoWithAnEmptyName() {
		BoundClientProperties bound = BoundClientProperties.of(
				new MapPropertySource("override",
						retrying().without(ENTRY + "name[0].service")
							.without(ENTRY + "name[0].method")
							.with(ENTRY + "name", "")
							.asMap()),
				new MapPropertySource("application.yml", retrying().asMap()));
		assertThatNoException().isThrownBy(bound::verify);
		assertThat(bound.properties().clients().get("echo").methodConfig()).singleElement()
			.satisfies((entry) -> assertThat(entry.name()).isEmpty());
	}

	@Test
	void misspeltRequiredKeyReportsTheKeyAndTheFieldItLeftEmpty() {
		InvalidGrpcClientPropertiesException failure = BoundClientProperties
			.of(retrying().without(RETRY + "max-attempts").with(RETRY + "max-attemps", "4"))
			.failure();
		assertThat(failure.getViolations()).extracting(Violation::property, Violation::value)
			.containsExactlyInAnyOrder(tuple(RETRY + "max-attemps", "4"), tuple(RETRY + "max-attempts", null));
		assertThat(StartupFailures.analysis(failure).getAction())
			.contains(RETRY + "max-attemps: check the spelling of 'max-attemps'")
			.contains("max-attempts");
	}

	// An application: every kind of violation, bind failures and unknown keys too, reaches one start-up failure.
	@Test
	void everyProblemIsReportedInOneFailure() {
		UserProperties config = retrying().without(CLIENT + "address")
			.with(RETRY + "max-attempts", "1")
			.with(RETRY + "initial-backoff", "0s")
			.with(RETRY + "max-backoff", "soon")
			.with(RETRY + "retryable-status-codes", "UNAVAILABLE,OK")
			.with(ENTRY + "retry-polcy.max-attempts", "4")
			.with("grpc.clients.other.method-config[0].name[0].method", "UnaryEcho");
		this.contextRunner.withPropertyValues(config.pairs()).run((context) -> {
			assertThat(context).hasFailed();
			List<String> properties = List.of(CLIENT + "address", RETRY + "max-attempts", RETRY + "initial-backoff",
					RETRY + "max-backoff", RETRY + "retryable-status-codes", ENTRY + "retry-polcy.max-attempts",
					"grpc.clients.other.address", "grpc.clients.other.method-config[0].name[0].service");
			assertThat(invalidProperties(context.getStartupFailure()).getViolations()).extracting(Violation::property)
				.containsExactlyInAnyOrderElementsOf(properties);
			FailureAnalysis analysis = StartupFailures.analysis(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("has 8 problems,");
			properties.forEach((property) -> assertThat(analysis.getDescription()).contains("Property: " + property));
		});
	}

	@Test
	void xdsClientWithDefaultSettingsStartsButOn1830And1831() {
		this.contextRunner.withPropertyValues(xds().pairs()).run((context) -> {
			if (GrpcJavaUnderTest.sendsRetriedXdsRequestsEmpty()) {
				// grpc-java 1.83.0 and 1.83.1 (profile grpc-java-1.83) send its retried requests empty
				assertThat(context).hasFailed();
				StartupFailures.assertOnlyViolation(context.getStartupFailure(), CLIENT + "address", "xds:///echo");
			}
			else {
				assertThat(context).hasNotFailed().hasBean("echoManagedChannel");
			}
		});
	}

	static Stream<Arguments> xdsSettingsGrpcJavaNeverApplies() {
		return Stream.of(
				argumentSet("an xds: client has no method-config",
						retrying().with(CLIENT + "address", "xds:///echo"), CLIENT + "method-config"),
				argumentSet("an xds: client has no retry-throttling",
						xds().with(CLIENT + "retry-throttling.max-tokens", "10")
							.with(CLIENT + "retry-throttling.token-ratio", "0.1"),
						CLIENT + "retry-throttling"));
	}

	@ParameterizedTest
	@MethodSource("xdsSettingsGrpcJavaNeverApplies")
	void xdsSettingGrpcJavaWouldNeverApplyStopsStartUp(UserProperties config, String property) {
		InvalidGrpcClientPropertiesException failure = BoundClientProperties.of(config).failure();
		if (GrpcJavaUnderTest.sendsRetriedXdsRequestsEmpty()) {
			// grpc-java 1.83.0 and 1.83.1 (profile grpc-java-1.83): the address is refused too
			assertThat(failure.getViolations()).extracting(Violation::property, Violation::value)
				.containsExactlyInAnyOrder(tuple(property, NOT_SET), tuple(CLIENT + "address", "xds:///echo"));
		}
		else {
			StartupFailures.assertOnlyViolation(failure, property, NOT_SET);
		}
	}

	@Test
	void xdsClientWithRetriesOffStopsStartUpSinceTheControlPlanesRouteDecidesItsRetries() {
		InvalidGrpcClientPropertiesException failure = BoundClientProperties.of(xds().with(CLIENT + "retries", "off"))
			.failure();
		assertThat(failure.getViolations()).filteredOn((violation) -> violation.property().equals(CLIENT + "retries"))
			.singleElement()
			.satisfies((violation) -> {
				assertThat(violation.value()).isEqualTo("off");
				assertThat(violation.problem()).contains("xDS control plane supplies")
					.contains("its calls would go on retrying as the control plane's route says");
				assertThat(violation.fix()).contains("remove " + CLIENT + "retries");
			});
	}

	@ParameterizedTest
	@ValueSource(strings = { "1.83.0", "1.83.1" })
	void xdsClientOnAGrpcJavaThatSendsRetriedRequestsEmptyStopsStartUpNamingTheVersionsAndTheFix(String version) {
		InvalidGrpcClientPropertiesException failure = verifyOn(version, xds());
		StartupFailures.assertOnlyViolation(failure, CLIENT + "address", "xds:///echo");
		assertThat(failure.getViolations()).singleElement().satisfies((violation) -> {
			assertThat(violation.origin()).contains("test properties");
			assertThat(violation.problem()).contains("grpc-java " + version + " (1.83.0 and 1.83.1)")
				.contains("retried request of an xds: call empty")
				.contains("grpc-java issue 13010");
			assertThat(violation.fix()).contains("grpc-java 1.84.1 or later");
		});
	}

	@Test
	void xdsClientOnAGrpcJavaThatSendsRetriedRequestsEmptyIsReportedWithItsOtherViolations() {
		InvalidGrpcClientPropertiesException failure = verifyOn("1.83.1",
				retrying().with(CLIENT + "address", "xds:///echo").with(RETRY + "max-attempts", "1"));
		assertThat(failure.getViolations()).extracting(Violation::property)
			.containsExactlyInAnyOrder(CLIENT + "address", CLIENT + "method-config", RETRY + "max-attempts");
	}

	@ParameterizedTest
	@ValueSource(strings = { "1.82.2", "1.84.0", "1.84.1" })
	void xdsClientOnAnotherGrpcJavaStarts(String version) {
		assertThatNoException().isThrownBy(() -> verify(version, xds()));
	}

	@Test
	void clientOfAnotherSchemeOnAGrpcJavaThatSendsRetriedRequestsOfXdsCallsEmptyStarts() {
		assertThatNoException().isThrownBy(() -> verify("1.83.1", retrying()));
	}

	@Test
	void xdsClientWithAPolicyIsReportedAtOnceWithEveryOtherViolation() {
		InvalidGrpcClientPropertiesException failure = BoundClientProperties
			.of(throttled().with(CLIENT + "address", "xds:///echo").with(RETRY + "initial-backoff", "0s"))
			.failure();
		List<Violation> violations = failure.getViolations();
		// The address too on grpc-java 1.83.0 and 1.83.1 (profile grpc-java-1.83), and there only
		assertThat(violations).extracting(Violation::property)
			.filteredOn((property) -> property.equals(CLIENT + "address"))
			.hasSize(GrpcJavaUnderTest.sendsRetriedXdsRequestsEmpty() ? 1 : 0);
		assertThat(violations).filteredOn((violation) -> !violation.property().equals(CLIENT + "address"))
			.extracting(Violation::property, Violation::problem)
			.containsExactlyInAnyOrder(
					tuple(CLIENT + "method-config", "is set for an xds: client, whose service config the xDS"
							+ " control plane supplies: grpc-java never applies this one, so none of its"
							+ " retries, hedging or timeouts would happen"),
					tuple(CLIENT + "retry-throttling", "is set for an xds: client, whose service config the"
							+ " xDS control plane supplies: grpc-java never applies this one, so its retries"
							+ " would never be throttled by it"),
					tuple(RETRY + "initial-backoff", "must be greater than 0"));
		assertThat(StartupFailures.analysis(failure).getAction())
			.contains(CLIENT + "method-config: configure retries in the control plane's route (its RetryPolicy), or"
					+ " remove method-config")
			.contains(CLIENT + "retry-throttling: configure retries in the control plane's route (its RetryPolicy),"
					+ " or remove retry-throttling");
	}

	// What start-up and a refresh run (GrpcClientPropertiesVerifier), on a given grpc-java.
	private static void verify(String grpcJavaVersion, UserProperties config) {
		BoundClientProperties bound = BoundClientProperties.of(config);
		GrpcClientPropertiesVerifier.verify(bound.properties(), bound.bindFailures(), bound.environment(),
				new GrpcClientPropertiesValidator((bundle) -> false, grpcJavaVersion,
						GrpcClientPropertiesValidationTests.class.getClassLoader()));
	}

	private static InvalidGrpcClientPropertiesException verifyOn(String grpcJavaVersion, UserProperties config) {
		try {
			verify(grpcJavaVersion, config);
		}
		catch (InvalidGrpcClientPropertiesException ex) {
			return ex;
		}
		throw new AssertionError("grpc-java " + grpcJavaVersion + " started " + config.asMap());
	}

	@Test
	void configurationUsingEveryPropertyStarts() {
		UserProperties everyProperty = retrying().with(CLIENT + "address", "static://127.0.0.1:50051,127.0.0.1:50052")
			.with(CLIENT + "load-balancing-policy", "pick_first")
			.with(CLIENT + "service-config-lookup", "true")
			.with(CLIENT + "retry-throttling.max-tokens", "10")
			.with(CLIENT + "retry-throttling.token-ratio", "0.1")
			.with(CLIENT + "retry-buffer-size", "8MB")
			.with(CLIENT + "per-rpc-buffer-limit", "512KB")
			.with(CLIENT + "shutdown-grace-period", "5s")
			.with(CLIENT + "keep-alive.time", "30s")
			.with(CLIENT + "keep-alive.timeout", "20s")
			.with(CLIENT + "keep-alive.without-calls", "true")
			.with(CLIENT + "idle-timeout", "30m")
			.with(CLIENT + "max-inbound-message-size", "8MB")
			.with(CLIENT + "max-inbound-metadata-size", "16KB")
			.with(CLIENT + "user-agent", "validation-tests")
			.with(ENTRY + "timeout", "2.5s")
			.with(ENTRY + "wait-for-ready", "true")
			.with(ENTRY + "max-request-message-bytes", "1MB")
			.with(ENTRY + "max-response-message-bytes", "4MB")
			.with(CLIENT + "method-config[1].name[0].service", "echo.Echo")
			.with(CLIENT + "method-config[1].name[0].method", "OtherEcho")
			.with(CLIENT + "method-config[1].hedging-policy.max-attempts", "7")
			.with(CLIENT + "method-config[1].hedging-policy.hedging-delay", ".05s")
			.with(CLIENT + "method-config[1].hedging-policy.non-fatal-status-codes", "unavailable,resource-exhausted")
			.with(CLIENT + "method-config[2].name[0].service", "echo.Echo")
			.with(CLIENT + "method-config[2].timeout", "10s");
		this.contextRunner.withPropertyValues(everyProperty.pairs()).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean("echoManagedChannel", ManagedChannel.class).authority())
				.isEqualTo("127.0.0.1:50051");
		});
	}

	@Test
	void sslBundleThatExistsStarts(@TempDir Path directory) throws Exception {
		Path trustStore = directory.resolve("empty.p12");
		KeyStore empty = KeyStore.getInstance("PKCS12");
		empty.load(null, null);
		try (OutputStream out = Files.newOutputStream(trustStore)) {
			empty.store(out, "secret".toCharArray());
		}
		this.contextRunner
			.withPropertyValues(retrying().with(CLIENT + "negotiation-type", "tls")
				.with(CLIENT + "ssl.bundle", "client")
				.with("spring.ssl.bundle.jks.client.truststore.location", trustStore.toUri().toString())
				.with("spring.ssl.bundle.jks.client.truststore.password", "secret")
				.with("spring.ssl.bundle.jks.client.truststore.type", "PKCS12")
				.pairs())
			.run((context) -> assertThat(context).hasNotFailed().hasBean("echoManagedChannel"));
	}

	@Test
	void otherLibrariesGrpcPropertiesAreNotReported() {
		BoundClientProperties bound = BoundClientProperties.of(retrying().with("grpc.server.port", "9090")
			.with("grpc.client.foo.address", "localhost:9090")
			.with("grpc.client.foo.retry-polcy", "on")
			.with("grpc.clientsx.foo", "bar"));
		assertThatNoException().isThrownBy(bound::verify);
		assertThat(bound.properties().clients()).containsOnlyKeys("echo");
	}

	@Test
	void failureReportOfARealApplicationNamesThePropertyTheValueAndTheFix(CapturedOutput output) {
		SpringApplicationBuilder application = new SpringApplicationBuilder(EmptyConfig.class)
			.web(WebApplicationType.NONE)
			.properties("spring.main.banner-mode=off")
			.properties(retrying().with(RETRY + "max-attempts", "1").pairs());
		assertThatException().isThrownBy(() -> application.run());
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Property: grpc.clients.echo.method-config[0].retry-policy.max-attempts")
			.contains("Value:    \"1\"")
			.contains("Reason:   must be at least 2")
			.contains("grpc.clients.echo.method-config[0].retry-policy.max-attempts: set it to 2 or more");
	}

	@Test
	void failureReportShowsNoCredentialOfAnAddress(CapturedOutput output) {
		SpringApplicationBuilder application = new SpringApplicationBuilder(EmptyConfig.class)
			.web(WebApplicationType.NONE)
			.properties("spring.main.banner-mode=off")
			.properties(retrying().with(CLIENT + "address", "static://admin:s3cret-token@127.0.0.1")
				.with(CLIENT + "adress", "dns://admin:s3cret-token@127.0.0.1:53/backend:443")
				.pairs());
		assertThatException().isThrownBy(() -> application.run())
			.satisfies((failure) -> assertThat(invalidProperties(failure)).hasMessageNotContaining("s3cret-token"));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Property: grpc.clients.echo.address")
			.contains("Value:    \"static://****@127.0.0.1\"")
			.contains("Property: grpc.clients.echo.adress")
			.contains("Value:    \"dns://****@127.0.0.1:53/backend:443\"")
			.doesNotContain("s3cret-token")
			.doesNotContain("admin:");
	}

	private static UserProperties retrying() {
		return new UserProperties().with(CLIENT + "address", "localhost:50051")
			.with(CLIENT + "negotiation-type", "plaintext")
			.with(ENTRY + "name[0].service", "echo.Echo")
			.with(ENTRY + "name[0].method", "UnaryEcho")
			.with(RETRY + "max-attempts", "4")
			.with(RETRY + "initial-backoff", ".01s")
			.with(RETRY + "max-backoff", ".01s")
			.with(RETRY + "backoff-multiplier", "1.0")
			.with(RETRY + "retryable-status-codes", "UNAVAILABLE");
	}

	private static UserProperties xds() {
		return new UserProperties().with(CLIENT + "address", "xds:///echo").with(CLIENT + "negotiation-type", "plaintext");
	}

	private static UserProperties hedging() {
		return retrying().without(RETRY + "max-attempts")
			.without(RETRY + "initial-backoff")
			.without(RETRY + "max-backoff")
			.without(RETRY + "backoff-multiplier")
			.without(RETRY + "retryable-status-codes")
			.with(HEDGING + "max-attempts", "3")
			.with(HEDGING + "hedging-delay", "50ms")
			.with(HEDGING + "non-fatal-status-codes", "UNAVAILABLE");
	}

	private static UserProperties throttled() {
		return retrying().with(CLIENT + "retry-throttling.max-tokens", "10")
			.with(CLIENT + "retry-throttling.token-ratio", "0.1");
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class EmptyConfig {

	}

}
