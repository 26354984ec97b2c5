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
 * {@link ServiceConfigRules}, its method-config names against the generated gRPC services on the class path by the
 * {@link MethodNameRules}. Collects every violation instead of stopping at the first.
 */
public final class GrpcClientPropertiesValidator {

	private final Predicate<String> sslBundleExists;

	private final @Nullable String grpcJavaVersion;

	private final ClassLoader classLoader;

	/**
	 * Creates a validator for the grpc-java this application runs.
	 * @param sslBundleExists tells whether an SSL bundle of the given name is registered
	 * @param classLoader the application's class loader, whose generated gRPC services the names are checked against
	 */
	public GrpcClientPropertiesValidator(Predicate<String> sslBundleExists, ClassLoader classLoader) {
		this(sslBundleExists, XdsTargets.runningGrpcJavaVersion(), classLoader);
	}

	/**
	 * Creates a validator for a given grpc-java.
	 * @param sslBundleExists tells whether an SSL bundle of the given name is registered
	 * @param grpcJavaVersion the grpc-java version the channels run on, or {@code null} when not known
	 * @param classLoader the application's class loader, whose generated gRPC services the names are checked against
	 */
	GrpcClientPropertiesValidator(Predicate<String> sslBundleExists, @Nullable String grpcJavaVersion,
			ClassLoader classLoader) {
		this.sslBundleExists = sslBundleExists;
		this.grpcJavaVersion = grpcJavaVersion;
		this.classLoader = classLoader;
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
			// Only a client with names needs the index, so an application without any never scans for one.
			if (client.checkMethodNames()
					&& client.methodConfig().stream().anyMatch((entry) -> !entry.name().isEmpty())) {
				new MethodNameRules(path, GeneratedServices.on(this.classLoader), collected)
					.checkNames(client.methodConfig());
			}
			channel.checkSettings(client);
		});
		return violations;
	}

}
