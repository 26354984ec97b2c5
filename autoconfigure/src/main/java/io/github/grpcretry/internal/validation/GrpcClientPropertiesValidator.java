package io.github.grpcretry.internal.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.validation.Violation;
import org.jspecify.annotations.Nullable;

/**
 * Checks client properties against the rules of gRFC A6 and grpc-java, so that a channel that would fail to build,
 * would silently not retry, or would have a value changed by grpc-java (truncated, raised, overflowed) never starts:
 * each client's channel properties by the {@link ChannelRules}, its service config by the
 * {@link ServiceConfigRules}. Collects every violation instead of stopping at the first.
 */
public final class GrpcClientPropertiesValidator {

	private final Predicate<String> sslBundleExists;

	private final @Nullable String grpcJavaVersion;

	/**
	 * Creates a validator for the grpc-java this application runs.
	 * @param sslBundleExists tells whether an SSL bundle of the given name is registered
	 */
	public GrpcClientPropertiesValidator(Predicate<String> sslBundleExists) {
		this(sslBundleExists, XdsTargets.runningGrpcJavaVersion());
	}

	/**
	 * Creates a validator for a given grpc-java.
	 * @param sslBundleExists tells whether an SSL bundle of the given name is registered
	 * @param grpcJavaVersion the grpc-java version the channels run on, or {@code null} when not known
	 */
	GrpcClientPropertiesValidator(Predicate<String> sslBundleExists, @Nullable String grpcJavaVersion) {
		this.sslBundleExists = sslBundleExists;
		this.grpcJavaVersion = grpcJavaVersion;
	}

	/**
	 * Validates every client.
	 * @param properties the bound properties
	 * @return the violations, empty when every client is valid
	 */
	public List<Violation> validate(GrpcClientsProperties properties) {
		List<Violation> violations = new ArrayList<>();
		Violations collected = new Violations(violations);
		properties.clients().forEach((name, client) -> {
			String path = GrpcClientsProperties.CLIENTS + "." + name;
			ChannelRules channel = new ChannelRules(path, ServiceConfigKeys.GRPC_CLIENTS, this.sslBundleExists,
					this.grpcJavaVersion, collected);
			// In the order of the client's properties in the reference: target, service config, channel settings.
			channel.checkTarget(client);
			new ServiceConfigRules(path, ServiceConfigKeys.GRPC_CLIENTS, collected)
				.checkServiceConfig(client.methodConfig(), client.retryThrottling());
			channel.checkSettings(client);
		});
		return violations;
	}

}
