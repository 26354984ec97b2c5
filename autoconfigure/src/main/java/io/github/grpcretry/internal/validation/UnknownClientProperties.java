package io.github.grpcretry.internal.validation;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.github.grpcretry.internal.serviceconfig.UnenforcedSettings;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.properties.RetryPolicyProperties;
import io.github.grpcretry.validation.Violation;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;

/**
 * Finds properties under {@code grpc.clients} that name no property of a client, such as a misspelt
 * {@code retry-polcy} or {@code name[0].metod}: left alone, such a key would silently leave a client without retries,
 * or turn a one-method entry into a service-wide one. A retry policy's per-attempt receive timeout, which grpc-java
 * would ignore ({@link UnenforcedSettings}), is reported with that reason. Every key is walked through the property records, in each
 * source on its own, so that list elements another source overrides are not taken for misspellings. Only
 * {@code grpc.clients} is checked, so other libraries' {@code grpc.*} properties are never reported.
 */
public final class UnknownClientProperties {

	private static final ConfigurationPropertyName CLIENTS = ConfigurationPropertyName
		.of(GrpcClientsProperties.CLIENTS);

	// Spring Boot 4.1's name and grpc-java's: not a misspelling, but a setting grpc-java would ignore.
	private static final Set<String> PER_ATTEMPT_RECV_TIMEOUT_KEYS = Set.of("perattemptreceivetimeout",
			"perattemptrecvtimeout");

	private static final int CLIENT_PROPERTY_START = CLIENTS.getNumberOfElements() + 1;

	// Asked for every element of every property name: read each record's components (and generic types) once.
	private static final ClassValue<Map<String, Component>> COMPONENTS = new ClassValue<>() {

		@Override
		protected Map<String, Component> computeValue(Class<?> type) {
			Map<String, Component> components = new HashMap<>();
			for (RecordComponent component : type.getRecordComponents()) {
				components.put(component.getName().toLowerCase(Locale.ROOT), new Component(recordType(component)));
			}
			return Map.copyOf(components);
		}

	};

	private UnknownClientProperties() {
	}

	/**
	 * Reports every property under {@code grpc.clients.<name>} that names no property of a client.
	 * @param sources the application's configuration property sources, most important first
	 * @return a violation per unknown property, empty when every property is known
	 */
	public static List<Violation> find(Iterable<ConfigurationPropertySource> sources) {
		Map<ConfigurationPropertyName, Violation> unknown = new TreeMap<>();
		for (ConfigurationPropertySource source : sources) {
			if (source instanceof IterableConfigurationPropertySource iterable) {
				iterable.stream().filter(CLIENTS::isAncestorOf).forEach((name) -> {
					UnknownKey key = unknownKey(name);
					if (key != null) {
						unknown.putIfAbsent(name, violation(name, iterable.getConfigurationProperty(name), key));
					}
				});
			}
		}
		return List.copyOf(unknown.values());
	}

	// The property is null where the source lists a name it then has no value for.
	private static Violation violation(ConfigurationPropertyName name, @Nullable ConfigurationProperty property,
			UnknownKey key) {
		if (key.owner() == RetryPolicyProperties.class && PER_ATTEMPT_RECV_TIMEOUT_KEYS.contains(key.uniform())) {
			String entry = name.getParent().getParent().toString();
			return Violation.writtenIn(name.toString(), property,
					UnenforcedSettings.PER_ATTEMPT_RECV_TIMEOUT_PROBLEM,
					UnenforcedSettings.perAttemptRecvTimeoutFix(entry + ".timeout"));
		}
		return Violation.writtenIn(name.toString(), property,
				"is not a property of a gRPC client, so it would be ignored",
				"check the spelling of '" + key.key() + "'; the keys there are " + keys(key.owner()));
	}

	private static @Nullable UnknownKey unknownKey(ConfigurationPropertyName name) {
		Class<?> type = ClientProperties.class;
		String leaf = null;
		for (int i = CLIENT_PROPERTY_START; i < name.getNumberOfElements(); i++) {
			if (name.isNumericIndex(i)) {
				continue;
			}
			String element = name.getElement(i, Form.ORIGINAL);
			if (leaf != null) {
				// A key below a plain value, such as address.host, binds to nothing.
				return new UnknownKey(leaf + "." + element, "", type);
			}
			Component component = COMPONENTS.get(type).get(name.getElement(i, Form.UNIFORM));
			if (component == null) {
				return new UnknownKey(element, name.getElement(i, Form.UNIFORM), type);
			}
			Class<?> recordType = component.recordType();
			if (recordType != null) {
				type = recordType;
			}
			else {
				leaf = element;
			}
		}
		return null;
	}

	private static @Nullable Class<?> recordType(RecordComponent component) {
		Type type = component.getGenericType();
		if (type instanceof ParameterizedType parameterized && List.class.equals(parameterized.getRawType())
				&& parameterized.getActualTypeArguments()[0] instanceof Class<?> element) {
			return element.isRecord() ? element : null;
		}
		return component.getType().isRecord() ? component.getType() : null;
	}

	private static String keys(Class<?> type) {
		return Arrays.stream(type.getRecordComponents())
			.map((component) -> component.getName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT))
			.collect(Collectors.joining(", "));
	}

	private record UnknownKey(String key, String uniform, Class<?> owner) {
	}

	/** A property of a record: {@code recordType} when it holds a record or a list of them, else a plain value. */
	private record Component(@Nullable Class<?> recordType) {
	}

}
