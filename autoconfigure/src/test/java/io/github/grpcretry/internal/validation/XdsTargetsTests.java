package io.github.grpcretry.internal.validation;

import java.nio.file.Path;

import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which grpc-java versions send the retried requests of an xds: call empty.
 */
class XdsTargetsTests {

	@ParameterizedTest
	@ValueSource(strings = { "1.83.0", "1.83.1" })
	void grpcJava183SendsRetriedRequestsEmpty(String version) {
		assertThat(XdsTargets.sendsRetriedRequestsEmpty(version)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "1.82.2", "1.83.2", "1.84.0", "1.84.1", "1.85.1", "1.83.10", "1.8.3" })
	@NullSource
	void otherVersionsDoNot(String version) {
		assertThat(XdsTargets.sendsRetriedRequestsEmpty(version)).isFalse();
	}

	@Test
	void runningVersionIsTheOneOfTheXdsResolversJar() throws Exception {
		NameResolverProvider xds = NameResolverRegistry.getDefaultRegistry().getProviderForScheme("xds");
		assertThat(xds).isNotNull();
		// The jar's version as Maven resolved it: .../io/grpc/grpc-xds/<version>/grpc-xds-<version>.jar
		Path jar = Path.of(xds.getClass().getProtectionDomain().getCodeSource().getLocation().toURI());
		assertThat(jar.getFileName().toString()).startsWith("grpc-xds-");
		assertThat(XdsTargets.runningGrpcJavaVersion()).isEqualTo(jar.getParent().getFileName().toString());
	}

}
