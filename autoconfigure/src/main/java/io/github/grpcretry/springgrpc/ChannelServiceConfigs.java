package io.github.grpcretry.springgrpc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.github.grpcretry.internal.serviceconfig.CallPolicies;
import io.github.grpcretry.internal.serviceconfig.MethodPolicies;
import org.jspecify.annotations.Nullable;

/**
 * The default service config Spring gRPC hands each channel it builds, where the starter can see it (Spring Boot 4.1's
 * typed service config): what the attempt metrics judge the channel's calls by. Spring gRPC 0.9 and 1.0 hand a
 * channel the config an application's own customizer sets, which the starter does not see.
 */
class ChannelServiceConfigs {

	// Channel names and addresses: bounded, since past it a target's calls are judged as of an unknown config.
	private static final int MOST_TARGETS = 1000;

	private final Map<String, Map<String, ?>> byTarget = new ConcurrentHashMap<>();

	/**
	 * Notes the default service config of a channel being built, as the last of Spring Boot's customizers leaves it.
	 * @param target the channel's target, a channel name or an address
	 * @param serviceConfig its default service config, empty for none
	 */
	void built(String target, Map<String, ?> serviceConfig) {
		if (this.byTarget.size() < MOST_TARGETS || this.byTarget.containsKey(target)) {
			this.byTarget.put(target, Map.copyOf(serviceConfig));
		}
	}

	/**
	 * The property its method configs are written under, for the warning of a name that matches no call.
	 * @param target the channel's target
	 * @return the property, such as {@code spring.grpc.client.channel.echo.service-config.method}
	 */
	String methodConfigProperty(String target) {
		return "methodConfig";
	}

	/**
	 * The policies the calls of a target's channel take, read at each call's start.
	 * @param target the channel's target
	 * @return the policies: unknown until the channel is built, or when its config was not seen
	 */
	Supplier<CallPolicies> policies(String target) {
		return new Supplier<>() {

			// The policies of the config last read, made once per config.
			private volatile @Nullable Read read;

			@Override
			public CallPolicies get() {
				Map<String, ?> serviceConfig = ChannelServiceConfigs.this.byTarget.get(target);
				if (serviceConfig == null) {
					return CallPolicies.unknown();
				}
				Read read = this.read;
				if (read == null || read.serviceConfig() != serviceConfig) {
					// No cap: the starter raises Spring Boot's channels' caps to the largest max-attempts.
					read = new Read(serviceConfig,
							CallPolicies.of(MethodPolicies.of(serviceConfig, Integer.MAX_VALUE)));
					this.read = read;
				}
				return read.policies();
			}

		};
	}

	private record Read(Map<String, ?> serviceConfig, CallPolicies policies) {
	}

}
