package io.github.grpcretry.springgrpc;

import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.core.annotation.Order;

/**
 * Auto-configuration that gives the channels Spring gRPC builds (Spring gRPC 0.9 on Spring Boot 3.5, 1.0 on 4.0,
 * Spring Boot 4.1's own gRPC client) the same attempt metrics as the starter's channels, through Spring gRPC's own
 * extension point, its {@code GrpcChannelBuilderCustomizer} beans, unless {@code grpc.client.metrics.enabled=false}
 * turns the starter's attempt metrics off. Spring gRPC's types are named as strings, so that an application without
 * Spring gRPC loads none of them.
 */
@AutoConfiguration
@ConditionalOnClass(name = { "org.springframework.grpc.client.GrpcChannelBuilderCustomizer",
		"io.micrometer.core.instrument.MeterRegistry" })
@ConditionalOnProperty(name = "grpc.client.metrics.enabled", havingValue = "true", matchIfMissing = true)
public final class SpringGrpcAttemptMetricsAutoConfiguration {

	// Last of the customizers, so that the interceptor is outermost, as on the starter's own channels.
	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	<T extends ManagedChannelBuilder<T>> SpringGrpcAttemptMetricsCustomizer<T> grpcRetrySpringGrpcAttemptMetricsCustomizer(
			ObjectProvider<MeterRegistry> meterRegistry, ObjectProvider<ChannelServiceConfigs> serviceConfigs,
			Environment environment) {
		return new SpringGrpcAttemptMetricsCustomizer<>(meterRegistry, SpringGrpcClientTags.of(environment),
				serviceConfigs);
	}

}
