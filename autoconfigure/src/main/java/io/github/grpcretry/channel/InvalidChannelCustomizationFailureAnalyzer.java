package io.github.grpcretry.channel;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains an {@link InvalidChannelCustomizationException} in Spring Boot's start-up failure report: the client, the
 * customizer, what it did and what to do instead.
 */
class InvalidChannelCustomizationFailureAnalyzer
		extends AbstractFailureAnalyzer<InvalidChannelCustomizationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidChannelCustomizationException cause) {
		String description = "The channel of gRPC client '" + cause.getClientName() + "' was not built:\n\n"
				+ "    Customizer: " + cause.getCustomizer() + "\n    Reason:     " + cause.getProblem() + "\n";
		return new FailureAnalysis(description, "Change the customizer: " + cause.getFix(), cause);
	}

}
