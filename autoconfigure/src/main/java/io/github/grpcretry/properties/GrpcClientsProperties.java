package io.github.grpcretry.properties;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gRPC clients of an application, each one a {@code ManagedChannel} bean named after its key.
 *
 * @param clients the clients by name; the name is the {@code @Qualifier} of the client's channel bean
 */
@ConfigurationProperties(GrpcClientsProperties.PREFIX)
public record GrpcClientsProperties(@DefaultValue Map<String, ClientProperties> clients) {

	/** Prefix of every property of this starter. */
	public static final String PREFIX = "grpc";

	/** Property path of the client map, the root that validation reports paths from. */
	public static final String CLIENTS = PREFIX + ".clients";

	public GrpcClientsProperties {
		clients = Collections.unmodifiableMap(new LinkedHashMap<>(clients));
	}

}
