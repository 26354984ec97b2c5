package io.github.grpcretry.validation;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.properties.ServiceConfigDurationConverter;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PlaceholdersResolver;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.convert.ApplicationConversionService;

/**
 * Finds properties under {@code grpc.clients} that bind to nothing, such as a misspelt {@code retry-polcy}: left
 * alone, such a key would silently leave a client without retries. Only {@code grpc.clients} is checked, so other
 * libraries' {@code grpc.*} properties are never reported.
 */
public final class UnknownClientProperties {

	private static final int CLIENT_PROPERTY_START = ConfigurationPropertyName.of(GrpcClientsProperties.CLIENTS)
		.getNumberOfElements() + 1;

	private UnknownClientProperties() {
	}

	/**
	 * Binds {@code grpc.clients} again, strictly, and reports every property that nothing took.
	 * @param sources the application's configuration property sources
	 * @param placeholders resolves {@code ${...}} placeholders as the application does
	 * @return a violation per unknown property, empty when every property binds
	 */
	public static List<Violation> find(Iterable<ConfigurationPropertySource> sources,
			PlaceholdersResolver placeholders) {
		ApplicationConversionService conversionService = new ApplicationConversionService();
		conversionService.addConverter(new ServiceConfigDurationConverter());
		Binder binder = new Binder(sources, placeholders, conversionService);
		Map<ConfigurationPropertyName, ConfigurationProperty> unknown = new TreeMap<>();
		try {
			binder.bind(GrpcClientsProperties.CLIENTS, Bindable.mapOf(String.class, ClientProperties.class),
					new NoUnboundElementsBindHandler(BindHandler.DEFAULT));
		}
		catch (BindException ex) {
			if (!(ex.getCause() instanceof UnboundConfigurationPropertiesException unbound)) {
				// Any other failure is a value that does not convert, which the regular binding reports first.
				return List.of();
			}
			unbound.getUnboundProperties().forEach((property) -> unknown.put(property.getName(), property));
		}
		// Spring's handler looks only one key deep into a list element, so it takes method-config[0].name[0].metod
		// or retry-policy.max-attemps for bound: check every key below a list element against the records too.
		ConfigurationPropertyName clients = ConfigurationPropertyName.of(GrpcClientsProperties.CLIENTS);
		for (ConfigurationPropertySource source : sources) {
			if (source instanceof IterableConfigurationPropertySource iterable) {
				iterable.stream()
					.filter((name) -> clients.isAncestorOf(name) && unknownKey(name) != null)
					.forEach((name) -> unknown.putIfAbsent(name, iterable.getConfigurationProperty(name)));
			}
		}
		return unknown.values().stream().map(UnknownClientProperties::violation).toList();
	}

	private static Violation violation(ConfigurationProperty property) {
		ConfigurationPropertyName name = property.getName();
		Object value = property.getValue();
		String origin = (property.getOrigin() != null) ? property.getOrigin().toString() : null;
		return new Violation(name.toString(), (value != null) ? value.toString() : null, origin,
				"is not a property of a gRPC client, so it would be ignored", fix(name));
	}

	private static String fix(ConfigurationPropertyName name) {
		UnknownKey unknownKey = unknownKey(name);
		if (unknownKey != null) {
			return "check the spelling of '" + unknownKey.key() + "'; the keys there are " + keys(unknownKey.owner());
		}
		return "remove it or check its spelling";
	}

	private static @Nullable UnknownKey unknownKey(ConfigurationPropertyName name) {
		Class<?> type = ClientProperties.class;
		for (int i = CLIENT_PROPERTY_START; i < name.getNumberOfElements(); i++) {
			if (name.isNumericIndex(i)) {
				continue;
			}
			RecordComponent component = component(type, name.getElement(i, Form.UNIFORM));
			if (component == null) {
				return new UnknownKey(name.getElement(i, Form.ORIGINAL), type);
			}
			type = boundType(component);
			if (type == null) {
				break;
			}
		}
		return null;
	}

	private static @Nullable RecordComponent component(Class<?> type, String uniformName) {
		if (!type.isRecord()) {
			return null;
		}
		return Arrays.stream(type.getRecordComponents())
			.filter((component) -> component.getName().toLowerCase(Locale.ROOT).equals(uniformName))
			.findFirst()
			.orElse(null);
	}

	private static @Nullable Class<?> boundType(RecordComponent component) {
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

	private record UnknownKey(String key, Class<?> owner) {
	}

}
