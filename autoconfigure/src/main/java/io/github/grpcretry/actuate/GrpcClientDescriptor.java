package io.github.grpcretry.actuate;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * One client, as the {@code grpcclients} endpoint shows it.
 *
 * @param target the address as configured
 * @param negotiationType {@code tls} or {@code plaintext}
 * @param sslBundle the name of its SSL bundle, {@code null} without one
 * @param loadBalancingPolicy the policy in effect, {@code null} for an in-process address
 * @param serviceConfig the service config in effect: the one grpc-java last took, as handed to it, numbers as
 * grpc-java reads them; while {@code serviceConfigSource} is {@code resolver}, the target's resolver supplies
 * the config calls use instead, which grpc-java does not show
 * @param serviceConfigDigest the first 12 hex digits of the SHA-256 of the service config in effect as canonical
 * JSON, with the load-balancing policy it runs written in it: one digest on every instance that runs the same
 * config; also the {@code digest} tag of the gauge {@code grpc.client.service_config.info}
 * @param retries the retries in effect: {@code off} while the configuration ({@code retries: off}) or the incident
 * switch turns them off, else {@code configured}
 * @param retriesConfigured what the configuration's {@code grpc.clients.<name>.retries} says: {@code configured}
 * or {@code off}
 * @param retriesOverridden whether the incident switch's {@code off} overrides the configuration on this instance;
 * its {@code configured} drops the override
 * @param serviceConfigSource where the service config in effect came from: {@code configuration},
 * {@code refresh}, {@code endpoint}, or {@code resolver} (the target's own resolver: xDS, or DNS with
 * {@code service-config-lookup: true})
 * @param serviceConfigChangedAt when it last changed (ISO-8601; the application's start until a change)
 * @param pendingServiceConfig a change handed to the channel that grpc-java has not taken yet, as it will be
 * handed over; {@code null} when none waits
 * @param pendingRestart the properties changed while the application runs that its channel cannot take, which
 * wait for a restart (empty: none)
 * @param state the channel's connectivity state, read without connecting; {@code null} while no channel was built
 * @param figures its calls and attempts so far; {@code null} without a meter registry
 */
public record GrpcClientDescriptor(String target, String negotiationType, @Nullable String sslBundle,
		@Nullable String loadBalancingPolicy, Map<String, Object> serviceConfig, String serviceConfigDigest,
		String retries, String retriesConfigured, boolean retriesOverridden, String serviceConfigSource, String serviceConfigChangedAt,
		@Nullable Map<String, Object> pendingServiceConfig, List<String> pendingRestart,
		@Nullable String state,
		@Nullable ClientFigures figures) implements OperationResponseBody {
}
