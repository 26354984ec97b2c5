package io.github.grpcretry.channel;

import org.jspecify.annotations.Nullable;

/**
 * Thrown at start-up when a customizer would make a client's channel differ in silence from what its configuration
 * and the endpoint say: a {@link RetryChannelBuilderCustomizer} that replaces the service config or turns retries
 * off, or a {@link RetryServiceConfigCustomizer} whose amendment grpc-java would refuse or ignore.
 */
public class InvalidChannelCustomizationException extends RuntimeException {

	private final String clientName;

	private final String customizer;

	private final String problem;

	private final String fix;

	/**
	 * Creates the exception.
	 * @param clientName the client whose channel was being customized
	 * @param customizer the customizer, by bean name and class
	 * @param problem what the customizer did and why it cannot be
	 * @param fix what to do instead
	 * @param cause what grpc-java threw, or {@code null}
	 */
	public InvalidChannelCustomizationException(String clientName, String customizer, String problem, String fix,
			@Nullable Throwable cause) {
		super("gRPC client '" + clientName + "': customizer " + customizer + " " + problem + "; " + fix, cause);
		this.clientName = clientName;
		this.customizer = customizer;
		this.problem = problem;
		this.fix = fix;
	}

	/**
	 * The client whose channel was being customized.
	 * @return its key under {@code grpc.clients}
	 */
	public String getClientName() {
		return this.clientName;
	}

	/**
	 * The customizer.
	 * @return its bean name and class, or its class outside a Spring context
	 */
	public String getCustomizer() {
		return this.customizer;
	}

	/**
	 * What the customizer did and why it cannot be.
	 * @return the problem
	 */
	public String getProblem() {
		return this.problem;
	}

	/**
	 * What to do instead.
	 * @return the fix
	 */
	public String getFix() {
		return this.fix;
	}

}
