package io.github.grpcretry.autoconfigure;

import java.util.Map;

import io.github.grpcretry.properties.ClientNames;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationPropertiesBindHandlerAdvisor;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;

/**
 * Binds {@code grpc.clients} with one entry per client, under its {@link ClientNames name}: Spring Boot's map binding
 * adds an entry for every spelling of a name it finds (an environment variable's {@code myclient} beside the YAML's
 * {@code myClient}), each bound from the same properties, which would make two channels of one client.
 */
final class ClientNamesBindHandlerAdvisor implements ConfigurationPropertiesBindHandlerAdvisor {

	private static final ConfigurationPropertyName CLIENTS = ConfigurationPropertyName
		.of(GrpcClientsProperties.CLIENTS);

	@Override
	public BindHandler apply(BindHandler bindHandler) {
		return new AbstractBindHandler(bindHandler) {

			@Override
			public @Nullable Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
					Object result) {
				Object bound = super.onSuccess(name, target, context, result);
				if (bound instanceof Map<?, ?> clients && isClientMap(name, target)) {
					return ClientNames.of(context.getSources()).select(clients);
				}
				return bound;
			}

		};
	}

	private static boolean isClientMap(ConfigurationPropertyName name, Bindable<?> target) {
		// The handler sees every binding of the application: act on this starter's client map only.
		return CLIENTS.equals(name) && ClientProperties.class.equals(target.getType().asMap().resolveGeneric(1));
	}

}
