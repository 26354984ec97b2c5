package io.github.grpcretry.test;

import java.util.Map;

import io.github.grpcretry.internal.actuate.GrpcClientsEndpoint;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpointWebExtension;
import io.github.grpcretry.internal.actuate.GrpcClientsView;

import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySourcesPropertyResolver;

/**
 * The {@code grpcclients} endpoint over a view of the clients, as an application that granted it writes
 * ({@code management.endpoint.grpcclients.access=unrestricted}) has it, for tests that switch retries without a web
 * server: the endpoint itself, or its web extension where the HTTP status is what the test asserts.
 */
public final class WritableEndpoint {

	private WritableEndpoint() {
	}

	/**
	 * The endpoint.
	 * @param clients the view of the clients
	 * @return the endpoint, its switch granted
	 */
	public static GrpcClientsEndpoint of(GrpcClientsView clients) {
		MutablePropertySources sources = new MutablePropertySources();
		sources.addFirst(new MapPropertySource("access",
				Map.of("management.endpoint.grpcclients.access", "unrestricted")));
		PropertySourcesPropertyResolver properties = new PropertySourcesPropertyResolver(sources);
		// As Spring Boot's Environment reads an enum value written in kebab case.
		properties.setConversionService(new ApplicationConversionService());
		return new GrpcClientsEndpoint(clients, properties);
	}

	/**
	 * The endpoint's web extension, which answers the switch with its HTTP status.
	 * @param clients the view of the clients
	 * @return the web extension of the endpoint, its switch granted
	 */
	public static GrpcClientsEndpointWebExtension overHttp(GrpcClientsView clients) {
		return new GrpcClientsEndpointWebExtension(of(clients));
	}

}
