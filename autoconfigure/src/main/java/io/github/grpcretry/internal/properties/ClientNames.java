package io.github.grpcretry.internal.properties;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import io.github.grpcretry.properties.GrpcClientsProperties;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The clients under {@code grpc.clients}, one per name however Spring Boot spells it. Spring Boot binds
 * {@code grpc.clients.myClient}, {@code grpc.clients.my-client} and {@code GRPC_CLIENTS_MYCLIENT_*} as one name, yet
 * takes each spelling it finds for a map key of its own; here the spellings of one name make one client:
 * <ul>
 * <li>a spelling from the system environment, which cannot write case or dashes, defers to any other spelling;
 * <li>the client is named as the remaining spelling is written;
 * <li>two or more remaining spellings of one name are a {@linkplain #conflicts() conflict}, which stops start-up.
 * </ul>
 */
public final class ClientNames {

	private static final ConfigurationPropertyName CLIENTS = ConfigurationPropertyName
		.of(GrpcClientsProperties.CLIENTS);

	private static final int NAME_INDEX = CLIENTS.getNumberOfElements();

	private final Map<String, List<Spelling>> clients;

	private ClientNames(Map<String, List<Spelling>> clients) {
		this.clients = clients;
	}

	/**
	 * Finds the clients that the property names under {@code grpc.clients} name.
	 * @param sources the application's configuration property sources, most important first
	 * @return the clients' names
	 */
	public static ClientNames of(Iterable<ConfigurationPropertySource> sources) {
		// Keyed by grpc.clients.<name>, whose equality is Spring Boot's own rule for one name.
		Map<ConfigurationPropertyName, Spellings> byName = new LinkedHashMap<>();
		for (ConfigurationPropertySource source : sources) {
			if (source instanceof IterableConfigurationPropertySource iterable) {
				boolean environment = isSystemEnvironment(source);
				iterable.stream().filter(CLIENTS::isAncestorOf).forEach((name) -> {
					Spellings spellings = byName.computeIfAbsent(name.chop(NAME_INDEX + 1), (key) -> new Spellings());
					spellings.add(name.getElement(NAME_INDEX, Form.ORIGINAL), environment,
							() -> iterable.getConfigurationProperty(name));
				});
			}
		}
		Map<String, List<Spelling>> clients = new LinkedHashMap<>();
		for (Spellings spellings : byName.values()) {
			List<Spelling> deciding = spellings.deciding();
			clients.put(deciding.get(0).name(), deciding);
		}
		return new ClientNames(Collections.unmodifiableMap(clients));
	}

	/**
	 * The name of every client, in the order of the sources that name it first.
	 * @return the names, one per client
	 */
	public Set<String> names() {
		return this.clients.keySet();
	}

	/**
	 * The first way a client's name is written, with the first property written that way.
	 * @param name the client's name, one of {@link #names()}
	 * @return the spelling
	 * @throws IllegalArgumentException if no client has that name
	 */
	public Spelling spelling(String name) {
		List<Spelling> spellings = this.clients.get(name);
		if (spellings == null) {
			throw new IllegalArgumentException("No client named '" + name + "' under " + GrpcClientsProperties.CLIENTS);
		}
		return spellings.get(0);
	}

	/**
	 * The clients whose name is written in more than one way, each with one property per spelling.
	 * @return the spellings of each client named more than one way, empty when every client has one spelling
	 */
	public List<List<Spelling>> conflicts() {
		return this.clients.values().stream().filter((spellings) -> spellings.size() > 1).toList();
	}

	/**
	 * Keeps one entry per client of the clients that Spring Boot bound, under the client's name. Spring Boot binds
	 * every spelling of a name from all sources, so the entries it drops hold the same values.
	 * @param <T> the type of a client's properties
	 * @param bound the clients as Spring Boot bound them, one entry per spelling
	 * @return the clients by name
	 */
	public <T> Map<String, T> select(Map<?, T> bound) {
		Map<String, T> clients = new LinkedHashMap<>();
		for (String name : names()) {
			T client = bound.get(name);
			if (client != null) {
				clients.put(name, client);
			}
		}
		return clients;
	}

	private static boolean isSystemEnvironment(ConfigurationPropertySource source) {
		// As Spring Boot decides which sources to read as environment variables: relaxed, without case or dashes.
		if (source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource environment) {
			String name = environment.getName();
			return name.equals(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)
					|| name.endsWith("-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		}
		return false;
	}

	/**
	 * One way a client's name is written, with the first property written that way.
	 *
	 * @param name the name as written, such as {@code myClient}
	 * @param property the first property under {@code grpc.clients.<name>} written that way
	 */
	public record Spelling(String name, ConfigurationProperty property) {

		/**
		 * The full path of the property as written, such as {@code grpc.clients.myClient.address}.
		 * @return the property's path, in the case it was written in
		 */
		public String propertyPath() {
			// ConfigurationPropertyName.toString() lower-cases, which would hide the very spelling at fault.
			ConfigurationPropertyName name = this.property.getName();
			StringBuilder path = new StringBuilder();
			for (int i = 0; i < name.getNumberOfElements(); i++) {
				String element = name.getElement(i, Form.ORIGINAL);
				if (name.isNumericIndex(i) || element.indexOf('.') != -1) {
					path.append('[').append(element).append(']');
				}
				else {
					path.append((i > 0) ? "." : "").append(element);
				}
			}
			return path.toString();
		}

	}

	/** The distinct spellings of one name, those of the system environment apart. */
	private static final class Spellings {

		private final Map<String, Spelling> written = new LinkedHashMap<>();

		private final Map<String, Spelling> environment = new LinkedHashMap<>();

		void add(String name, boolean fromEnvironment, Supplier<ConfigurationProperty> firstProperty) {
			(fromEnvironment ? this.environment : this.written).computeIfAbsent(name,
					(key) -> new Spelling(name, firstProperty.get()));
		}

		List<Spelling> deciding() {
			return new ArrayList<>((!this.written.isEmpty() ? this.written : this.environment).values());
		}

	}

}
