package io.github.grpcretry.springgrpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.grpcretry.test.InterceptorsSeen;
import io.grpc.ClientInterceptor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code client} tag of Spring gRPC's channels: the configured channel's name, else the address without
 * credentials, bounded; and one interceptor per tag however often a channel is asked for.
 */
class SpringGrpcClientTagsTests {

	@Test
	void aConfiguredChannelIsTaggedWithItsNameOnEveryLine() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new MapPropertySource("application",
					Map.of("spring.grpc.client.channels.legacy.address", "static://localhost:9090",
							"spring.grpc.client.channel.echo.target", "static://admin:pw@localhost:9090")));
		SpringGrpcClientTags tags = SpringGrpcClientTags.of(environment);
		assertThat(tags.tag("legacy")).isEqualTo("legacy");
		assertThat(tags.tag("echo")).isEqualTo("echo");
		assertThat(tags.tag("default")).isEqualTo("default");
	}

	@Test
	void anAddressIsTaggedWithoutItsCredentials() {
		SpringGrpcClientTags tags = new SpringGrpcClientTags(Set.of("echo"));
		assertThat(tags.tag("dns://admin:s3cret@127.0.0.1:53/backend:443")).isEqualTo("dns://****@127.0.0.1:53/backend:443");
		assertThat(tags.tag("localhost:9090")).isEqualTo("localhost:9090");
	}

	@Test
	void addressesPastTheBoundAreOtherAndTheFirstOnesKeepTheirTag() {
		SpringGrpcClientTags tags = new SpringGrpcClientTags(Set.of("echo"));
		for (int i = 0; i < SpringGrpcClientTags.MAX_ADDRESSES; i++) {
			assertThat(tags.tag("10.0.0." + i + ":443")).isEqualTo("10.0.0." + i + ":443");
		}
		assertThat(tags.tag("10.0.1.0:443")).isEqualTo(SpringGrpcClientTags.OTHER);
		assertThat(tags.tag("10.0.0.0:443")).isEqualTo("10.0.0.0:443");
		assertThat(tags.tag("echo")).isEqualTo("echo");
	}

	@Test
	void channelsOfOneTagShareOneInterceptor() {
		StaticListableBeanFactory beans = new StaticListableBeanFactory();
		beans.addBean("meterRegistry", new SimpleMeterRegistry());
		SpringGrpcAttemptMetricsCustomizer<InterceptorsSeen> customizer = new SpringGrpcAttemptMetricsCustomizer<>(
				beans.getBeanProvider(MeterRegistry.class), new SpringGrpcClientTags(Set.of("echo")),
				beans.getBeanProvider(ChannelServiceConfigs.class));
		List<ClientInterceptor> interceptors = new ArrayList<>();
		for (String target : List.of("echo", "echo", "localhost:9090", "localhost:9090", "echo")) {
			customizer.customize(target, new InterceptorsSeen(interceptors));
		}
		ClientInterceptor echo = interceptors.get(0);
		ClientInterceptor address = interceptors.get(2);
		assertThat(echo).isNotSameAs(address);
		assertThat(interceptors).containsExactly(echo, echo, address, address, echo);
	}

}
