package io.github.grpcretry.autoconfigure;

import java.util.List;
import java.util.Map;

import io.github.grpcretry.internal.properties.ClientNames;
import io.github.grpcretry.internal.validation.ClientBindFailures;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.validation.Violation;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationPropertiesBindHandlerAdvisor;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;

/**
 * Binds {@code grpc.clients} the way the starter verifies it:
 * <ul>
 * <li>one entry per client, under its {@link ClientNames name}: Spring Boot's map binding adds an entry for every
 * spelling of a name it finds (an environment variable's {@code myclient} beside the YAML's {@code myClient}), each
 * bound from the same properties, which would make two channels of one client;</li>
 * <li>a value that cannot be bound is recorded ({@link ClientBindFailures}) and bound as missing, and the channel
 * factory reports it with every other violation, from {@link #bindFailures()}.</li>
 * </ul>
 */
final class GrpcClientsBindHandlerAdvisor implements ConfigurationPropertiesBindHandlerAdvisor {

	private static final ConfigurationPropertyName CLIENTS = ConfigurationPropertyName
		.of(GrpcClientsProperties.CLIENTS);

	private volatile List<Violation> bindFailures = List.of();

	// The same, of the latest binding on each thread: what a refresh reads after its own binding, which another
	// binding of the properties (the actuator's configprops endpoint binds the refresh's twin too) cannot change.
	private final ThreadLocal<List<Violation>> bindFailuresOfThread = ThreadLocal.withInitial(List::of);

	@Override
	public BindHandler apply(BindHandler bindHandler) {
		// A binding that binds no client map leaves no failures of an earlier one behind.
		this.bindFailuresOfThread.set(List.of());
		ClientBindFailures failures = new ClientBindFailures(bindHandler);
		return new AbstractBindHandler(selectingClientNames(failures)) {

			@Override
			public void onFinish(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
					@Nullable Object result) throws Exception {
				super.onFinish(name, target, context, result);
				if (isClientMap(name, target)) {
					GrpcClientsBindHandlerAdvisor.this.bindFailures = failures.violations();
					GrpcClientsBindHandlerAdvisor.this.bindFailuresOfThread.set(failures.violations());
				}
			}

		};
	}

	/**
	 * The values under {@code grpc.clients} that the latest binding of the client map could not bind.
	 * @return the violations, empty when every value was bound
	 */
	List<Violation> bindFailures() {
		return this.bindFailures;
	}

	/**
	 * The values under {@code grpc.clients} that the latest binding of the client map on this thread could not bind.
	 * @return the violations, empty when every value was bound
	 */
	List<Violation> bindFailuresOfThisThread() {
		return this.bindFailuresOfThread.get();
	}

	/**
	 * Wraps a handler so that the client map holds one entry per client name, however spelt.
	 * @param bindHandler the handler to wrap
	 * @return the handler that selects the client names
	 */
	static BindHandler selectingClientNames(BindHandler bindHandler) {
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
