package io.github.grpcretry.internal.validation;

import java.net.URL;
import java.net.URLClassLoader;

import io.github.grpcretry.test.echo.EchoGrpc;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The index of the generated gRPC services on a class path holds exactly the services and methods grpc-java's
 * generated code declares, and nothing merely named like it.
 */
class GeneratedServicesTests {

	private final GeneratedServices generated = GeneratedServices.on(getClass().getClassLoader());

	@Test
	void aGeneratedServiceIsFoundWithEveryMethodItsDescriptorHas() {
		assertThat(this.generated.services()).contains(EchoGrpc.SERVICE_NAME);
		assertThat(this.generated.methodsOf("echo.Echo")).containsExactlyElementsOf(EchoGrpc.getServiceDescriptor()
			.getMethods()
			.stream()
			.map((method) -> method.getFullMethodName())
			.sorted()
			.toList()).containsExactly("echo.Echo/OtherEcho", "echo.Echo/UnaryEcho");
	}

	@Test
	void grpcJavasOwnGeneratedServicesInItsJarsAreFound() {
		// grpc-services, which grpc-xds brings: generated code in a jar, as an application's own often is.
		assertThat(this.generated.services()).contains("grpc.health.v1.Health");
		assertThat(this.generated.methodsOf("grpc.health.v1.Health")).contains("grpc.health.v1.Health/Check");
	}

	@Test
	void aClassOnlyNamedLikeGeneratedCodeIsNoService() {
		assertThat(this.generated.services()).doesNotContain(LookalikeGrpc.SERVICE_NAME);
	}

	@Test
	void aClassLoaderIsScannedOnce() {
		assertThat(GeneratedServices.on(getClass().getClassLoader())).isSameAs(this.generated);
	}

	@Test
	void aClassPathWithoutGeneratedCodeHasNoService() throws Exception {
		try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
			assertThat(GeneratedServices.on(empty).services()).isEmpty();
		}
	}

}
