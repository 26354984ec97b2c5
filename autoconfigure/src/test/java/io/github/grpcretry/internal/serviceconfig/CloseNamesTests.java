package io.github.grpcretry.internal.serviceconfig;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The did-you-mean of a gRPC name that governs no call: the known name a user most likely meant, or none.
 */
class CloseNamesTests {

	private static final List<String> SERVICES = List.of("echo.Echo", "grpc.health.v1.Health",
			"grpc.reflection.v1.ServerReflection");

	private static final List<String> METHODS = List.of("echo.Echo/UnaryEcho", "echo.Echo/OtherEcho",
			"grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch");

	@Test
	void aServiceWithoutItsPackageMeansThePackagedOne() {
		assertThat(CloseNames.closest("Echo", SERVICES)).isEqualTo("echo.Echo");
	}

	@Test
	void aServiceInAnotherPackageMeansTheKnownOne() {
		assertThat(CloseNames.closest("foo.bar.Health", SERVICES)).isEqualTo("grpc.health.v1.Health");
	}

	@Test
	void aCaseSlipMeansTheKnownName() {
		assertThat(CloseNames.closest("echo.echo", SERVICES)).isEqualTo("echo.Echo");
		assertThat(CloseNames.closest("ECHO.ECHO/UNARYECHO", METHODS)).isEqualTo("echo.Echo/UnaryEcho");
	}

	@Test
	void aSmallTypoMeansTheKnownName() {
		assertThat(CloseNames.closest("echo.Ecoh", SERVICES)).isEqualTo("echo.Echo");
		assertThat(CloseNames.closest("echo.Echo/UnaryEko", METHODS)).isEqualTo("echo.Echo/UnaryEcho");
	}

	@Test
	void aServiceWithoutItsPackageAndWithACaseSlipMeansThePackagedOne() {
		assertThat(CloseNames.closest("echo", SERVICES)).isEqualTo("echo.Echo");
		assertThat(CloseNames.closest("echo/unaryEcho", METHODS)).isEqualTo("echo.Echo/UnaryEcho");
		// The case as written wins.
		assertThat(CloseNames.closest("Echo", List.of("a.ECHO", "b.Echo"))).isEqualTo("b.Echo");
	}

	@Test
	void aMethodOfTheServiceInAnotherPackageMeansTheKnownMethod() {
		assertThat(CloseNames.closest("Echo/UnaryEcho", METHODS)).isEqualTo("echo.Echo/UnaryEcho");
		// Another method of that service is not the same call.
		assertThat(CloseNames.closest("Echo/Shout", METHODS)).isNull();
	}

	@Test
	void aNameFarFromEveryKnownOneMeansNone() {
		assertThat(CloseNames.closest("acme.Billing", SERVICES)).isNull();
		assertThat(CloseNames.closest("echo.Echo/Shout", METHODS)).isNull();
	}

	@Test
	void aKnownNameMeansNoOther() {
		assertThat(CloseNames.closest("echo.Echo", Set.of("echo.Echo", "echo.Echo2"))).isNull();
	}

	@Test
	void aServiceIsComparedWithServicesAndAMethodWithMethods() {
		assertThat(CloseNames.closest("Check", METHODS)).isNull();
		assertThat(CloseNames.closest("echo.Echo/UnaryEcho", SERVICES)).isNull();
	}

	@Test
	void anEditIsSmallOnlyAgainstTheNamesLength() {
		// Two edits in a 4-character name are half of it, not a slip.
		assertThat(CloseNames.closest("a.Bx", List.of("a.Cy"))).isNull();
		assertThat(CloseNames.closest("a.Bx", List.of("a.By"))).isEqualTo("a.By");
		// Three edits are too many, whatever the length.
		assertThat(CloseNames.closest("billing.Invoices", List.of("billing.Invoixxx"))).isNull();
	}

	@Test
	void equalIgnoringCaseWinsOverAnotherPackageWhichWinsOverAnEdit() {
		assertThat(CloseNames.closest("echo.echo", List.of("echo.Ech", "echo.echo2", "echo.Echo")))
			.isEqualTo("echo.Echo");
		assertThat(CloseNames.closest("Echo", List.of("Ech", "echo.Echo"))).isEqualTo("echo.Echo");
		assertThat(CloseNames.closest("echo.Echoo", List.of("echo.Ech", "echo.Echo"))).isEqualTo("echo.Echo");
	}

	@Test
	void equallyCloseNamesGiveTheFirstInNaturalOrderWhateverTheirOrder() {
		assertThat(CloseNames.closest("Echo", List.of("zeta.Echo", "alpha.Echo"))).isEqualTo("alpha.Echo");
		assertThat(CloseNames.closest("Echo", List.of("alpha.Echo", "zeta.Echo"))).isEqualTo("alpha.Echo");
	}

}
