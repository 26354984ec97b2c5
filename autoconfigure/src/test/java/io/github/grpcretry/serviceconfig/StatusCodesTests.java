package io.github.grpcretry.serviceconfig;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Status codes are read the way users write them, and anything else is refused.
 */
class StatusCodesTests {

	@Test
	void upperCaseNameIsTheCode() {
		assertThat(StatusCodes.parse("UNAVAILABLE")).isEqualTo(Status.Code.UNAVAILABLE);
	}

	@Test
	void lowerCaseNameIsTheCode() {
		assertThat(StatusCodes.parse("unavailable")).isEqualTo(Status.Code.UNAVAILABLE);
	}

	@Test
	void kebabCaseNameIsTheCode() {
		assertThat(StatusCodes.parse("resource-exhausted")).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
	}

	@Test
	void numberIsTheCodeWithThatValue() {
		assertThat(StatusCodes.parse("14")).isEqualTo(Status.Code.UNAVAILABLE);
	}

	@Test
	void surroundingSpacesAreIgnored() {
		assertThat(StatusCodes.parse(" deadline-exceeded ")).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
	}

	@Test
	void unknownNameFailsNamingTheText() {
		assertThatIllegalArgumentException().isThrownBy(() -> StatusCodes.parse("UNAVAILBLE"))
			.withMessage("'UNAVAILBLE' is not a gRPC status code");
	}

	@Test
	void numberAboveTheLastCodeFails() {
		assertThatIllegalArgumentException().isThrownBy(() -> StatusCodes.parse("17"))
			.withMessage("'17' is not a gRPC status code number (0 to 16)");
	}

	@Test
	void emptyTextFails() {
		assertThatIllegalArgumentException().isThrownBy(() -> StatusCodes.parse(""));
	}

}
