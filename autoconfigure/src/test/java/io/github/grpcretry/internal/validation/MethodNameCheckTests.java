package io.github.grpcretry.internal.validation;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.github.grpcretry.test.StartupFailures;
import io.github.grpcretry.test.echo.EchoGrpc;
import io.github.grpcretry.validation.Violation;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static io.github.grpcretry.test.StartupFailures.invalidProperties;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A method-config name one slip away from a service or method whose generated gRPC code is on the class path
 * ({@link EchoGrpc}: {@code echo.Echo}, with {@code UnaryEcho} and {@code OtherEcho}) would govern no call, since
 * grpc-java matches names exactly: start-up fails naming the property and what was meant. A name close to no
 * generated one is a service without generated code here, and starts.
 */
class MethodNameCheckTests {

	private static final String CLIENT = "grpc.clients.echo.";

	private static final String NAME = CLIENT + "method-config[0].name[0].";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withPropertyValues(CLIENT + "address=localhost:50051", CLIENT + "negotiation-type=plaintext",
				CLIENT + "method-config[0].timeout=1s");

	@Test
	void aServiceWithoutItsPackageFailsStartUpWithTheFullName() {
		this.contextRunner.withPropertyValues(NAME + "service=Echo").run((context) -> {
			assertThat(context).hasFailed();
			StartupFailures.assertOnlyViolation(context.getStartupFailure(), NAME + "service", "Echo");
			Violation violation = invalidProperties(context.getStartupFailure()).getViolations().get(0);
			assertThat(violation.problem()).contains("is no service of the generated gRPC code on the class path");
			assertThat(violation.fix()).startsWith("did you mean `echo.Echo`?");
		});
	}

	@Test
	void theFailureReportNamesWhatWasMeantAndHowToTurnTheCheckOff() {
		this.contextRunner.withPropertyValues(NAME + "service=Echo").run((context) -> {
			FailureAnalysis analysis = StartupFailures.analysis(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("Property: " + NAME + "service")
				.contains("grpc-java matches service names exactly, so this name governs no call");
			assertThat(analysis.getAction()).contains(NAME + "service: did you mean `echo.Echo`?")
				.contains("set " + CLIENT + "check-method-names: false");
		});
	}

	@Test
	void aCaseSlipInTheServiceFailsStartUp() {
		this.contextRunner.withPropertyValues(NAME + "service=echo.echo").run((context) -> {
			StartupFailures.assertOnlyViolation(context.getStartupFailure(), NAME + "service", "echo.echo");
			assertThat(invalidProperties(context.getStartupFailure()).getViolations().get(0).fix())
				.startsWith("did you mean `echo.Echo`?");
		});
	}

	@Test
	void aTypoInTheMethodFailsStartUpWithTheMethodMeant() {
		this.contextRunner.withPropertyValues(NAME + "service=echo.Echo", NAME + "method=UnaryEko").run((context) -> {
			StartupFailures.assertOnlyViolation(context.getStartupFailure(), NAME + "method", "UnaryEko");
			Violation violation = invalidProperties(context.getStartupFailure()).getViolations().get(0);
			assertThat(violation.problem()).contains("is no method of echo.Echo");
			assertThat(violation.fix()).startsWith("did you mean `UnaryEcho`?");
		});
	}

	@Test
	void generatedNamesWrittenExactlyStart() {
		this.contextRunner
			.withPropertyValues(NAME + "service=echo.Echo", NAME + "method=UnaryEcho",
					CLIENT + "method-config[0].name[1].service=echo.Echo",
					CLIENT + "method-config[0].name[1].method=OtherEcho")
			.run((context) -> assertThat(context).hasNotFailed().hasBean("echoManagedChannel"));
	}

	@Test
	void aServiceFarFromEveryGeneratedOneStarts() {
		// A service whose generated code is elsewhere, called through this channel all the same.
		this.contextRunner.withPropertyValues(NAME + "service=acme.Billing", NAME + "method=UnaryEko")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(ManagedChannel.class));
	}

	@Test
	void aMethodFarFromEveryMethodOfTheServiceStarts() {
		// A method built at run time, or added to the server before this client's generated code.
		this.contextRunner.withPropertyValues(NAME + "service=echo.Echo", NAME + "method=Shout")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void checkMethodNamesFalseStartsAClientWhoseNameIsClose() {
		this.contextRunner.withPropertyValues(NAME + "service=Echo", CLIENT + "check-method-names=false")
			.run((context) -> assertThat(context).hasNotFailed().hasBean("echoManagedChannel"));
	}

	@Test
	void checkMethodNamesFalseIsOneClientsOnly() {
		this.contextRunner
			.withPropertyValues(NAME + "service=Echo", CLIENT + "check-method-names=false",
					"grpc.clients.other.address=localhost:50051", "grpc.clients.other.negotiation-type=plaintext",
					"grpc.clients.other.method-config[0].name[0].service=Echo")
			.run((context) -> StartupFailures.assertOnlyViolation(context.getStartupFailure(),
					"grpc.clients.other.method-config[0].name[0].service", "Echo"));
	}

}
