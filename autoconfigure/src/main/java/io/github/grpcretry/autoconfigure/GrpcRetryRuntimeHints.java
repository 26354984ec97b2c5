package io.github.grpcretry.autoconfigure;

import io.github.grpcretry.internal.channel.StaticNameResolverProvider;
import io.github.grpcretry.properties.HedgingPolicyProperties;
import io.github.grpcretry.properties.RetryPolicyProperties;
import io.github.grpcretry.properties.RetryThrottlingProperties;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.boot.context.properties.bind.BindableRuntimeHintsRegistrar;

/**
 * What a native image needs of the starter that Spring's own hints do not give: what grpc-java and the starter reach
 * by reflection and resources. Spring already covers the failure analyzer named in {@code spring.factories}, the
 * beans, and the binding of the property records that Spring Boot treats as nested.
 */
class GrpcRetryRuntimeHints implements RuntimeHintsRegistrar {

	/** The service file through which grpc-java's {@code NameResolverRegistry} finds the {@code static} scheme. */
	static final String NAME_RESOLVER_PROVIDERS = "META-INF/services/io.grpc.NameResolverProvider";

	/** Looked up by name, so that the factory works without grpc-inprocess. */
	static final String IN_PROCESS_CHANNEL_BUILDER = "io.grpc.inprocess.InProcessChannelBuilder";

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		hints.resources().registerPattern(NAME_RESOLVER_PROVIDERS);
		hints.reflection().registerType(StaticNameResolverProvider.class, MemberCategory.INVOKE_PUBLIC_CONSTRUCTORS);
		hints.reflection().registerTypeIfPresent(classLoader, IN_PROCESS_CHANNEL_BUILDER);
		// Spring Boot's hints for GrpcClientsProperties stop at property types that are neither nested classes nor
		// marked @NestedConfigurationProperty: without these, a native image could not construct them, so no policy.
		BindableRuntimeHintsRegistrar
			.forTypes(RetryPolicyProperties.class, HedgingPolicyProperties.class, RetryThrottlingProperties.class)
			.registerHints(hints, classLoader);
	}

}
