package io.github.grpcretry.internal.channel;

import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a client's address says, read in one place: xds: targets, in-process addresses and their load-balancing
 * policy (none), the scheme of a target.
 */
class ClientAddressTests {

	@ParameterizedTest
	@ValueSource(strings = { "xds:///echo", "xds://control-plane.example.com/echo", "XDS:///echo" })
	void xdsSchemeIsAnXdsTarget(String address) {
		assertThat(ClientAddress.isXds(address)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "localhost:50051", "dns:///xds:443", "static://127.0.0.1:50051",
			"in-process:xds", "unix:/tmp/xds.sock", "xdstp://authority/envoy.config.listener.v3.Listener/echo" })
	@NullSource
	void otherAddressesAreNot(String address) {
		assertThat(ClientAddress.isXds(address)).isFalse();
	}

	@Test
	void anInProcessAddressNamesItsServerAndTakesNoLoadBalancingPolicy() {
		ClientProperties client = client("in-process:echo");
		assertThat(ClientAddress.isInProcess(client)).isTrue();
		assertThat(ClientAddress.inProcessName(ClientAddress.of(client))).isEqualTo("echo");
		assertThat(new ClientTransports((bundle) -> {
			throw new AssertionError(bundle);
		}).loadBalancingPolicy(client)).isNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "localhost:50051", "dns:///localhost:50051", "static://127.0.0.1:50051",
			"unix:/tmp/echo.sock", "xds:///echo" })
	void everyOtherAddressTakesTheConfiguredPolicy(String address) {
		ClientProperties client = client(address);
		assertThat(ClientAddress.isInProcess(client)).isFalse();
		assertThat(new ClientTransports((bundle) -> {
			throw new AssertionError(bundle);
		}).loadBalancingPolicy(client)).isEqualTo("round_robin");
	}

	@Test
	void anAuthorityHasNoScheme() {
		assertThat(ClientAddress.scheme("127.0.0.1:50051")).isNull();
		assertThat(ClientAddress.scheme("dns:///localhost:50051")).isEqualTo("dns");
	}

	private static ClientProperties client(String address) {
		return new Binder(new MapConfigurationPropertySource(java.util.Map.of("grpc.clients.echo.address", address)))
			.bindOrCreate("grpc", GrpcClientsProperties.class)
			.clients()
			.get("echo");
	}

}
