package io.github.grpcretry.properties;

import java.util.Arrays;

import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The status codes a policy takes are grpc-java's, OK aside, read in every form users write.
 */
class FailureStatusCodeTests {

	@Test
	void everyCodeButOkIsOneOfGrpcJavas() {
		assertThat(Arrays.stream(FailureStatusCode.values()).map(FailureStatusCode::code))
			.containsExactlyElementsOf(
					Arrays.stream(Status.Code.values()).filter((code) -> code != Status.Code.OK).toList());
	}

	@Test
	void nameInUpperCase() {
		assertThat(FailureStatusCode.parse("UNAVAILABLE")).isEqualTo(FailureStatusCode.UNAVAILABLE);
	}

	@Test
	void nameInLowerCase() {
		assertThat(FailureStatusCode.parse("unavailable")).isEqualTo(FailureStatusCode.UNAVAILABLE);
	}

	@Test
	void nameInKebabCase() {
		assertThat(FailureStatusCode.parse("resource-exhausted")).isEqualTo(FailureStatusCode.RESOURCE_EXHAUSTED);
	}

	@Test
	void numberIsGrpcJavasValue() {
		for (FailureStatusCode code : FailureStatusCode.values()) {
			assertThat(FailureStatusCode.parse(Integer.toString(code.code().value()))).isEqualTo(code);
		}
	}

	@Test
	void surroundingSpaceIsIgnored() {
		assertThat(FailureStatusCode.parse(" deadline-exceeded ")).isEqualTo(FailureStatusCode.DEADLINE_EXCEEDED);
	}

	@ParameterizedTest
	@ValueSource(strings = { "OK", "ok", "0" })
	void okIsSuccessAndNoFailureCode(String text) {
		assertThatIllegalArgumentException().isThrownBy(() -> FailureStatusCode.parse(text))
			.withMessage("'" + text + "' is OK, which is success: no policy retries or hedges on it");
	}

	@Test
	void misspeltNameIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> FailureStatusCode.parse("UNAVAILBLE"))
			.withMessage("'UNAVAILBLE' is not a gRPC status code");
	}

	@ParameterizedTest
	@ValueSource(strings = { "17", "99999999999999999999" })
	void numberOutOfRangeIsRefused(String text) {
		assertThatIllegalArgumentException().isThrownBy(() -> FailureStatusCode.parse(text))
			.withMessage("'" + text + "' is not a gRPC status code number (1 to 16)");
	}

	@Test
	void emptyTextIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> FailureStatusCode.parse(""));
	}

}
