package io.github.grpcretry.validation;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.convert.ApplicationConversionService;

/**
 * Finds properties under {@code grpc.clients} that bind to nothing, such as a misspelt {@code retry-polcy}: left
 * alone, such a key would silently leave a client without retries. Only {@code grpc.clients} is checked, so other
 * libraries' {@code grpc.*} properties are never reported.
 */
public final class UnknownClientProperties {

	private static final ConfigurationPropertyName CLIENTS = ConfigurationPropertyName
		.of(GrpcClientsProperties.CLIENTS);

	private static final int CLIENT_PROPERTY_START = CLIENTS.getNumberOfElements() + 1;

	private UnknownClientProperties() {
	}

	/**
	 * Binds {@code grpc.clients} again, strictly and one property source at a time, and reports every property that
	 * nothing took. One source at a time, because Spring Boot binds a list from a single source: the elements of a
	 * list that another source overrides are not misspelt.
	 * @param sources the application's configuration property sources
	 * @param placeholders resolves {@code ${...}} placeholders as the application does
	 * @return a violation per unknown property, empty when every property binds
	 */
	public static List<Violation> find(Iterable<ConfigurationPropertySource> sources,
			PlaceholdersResolver placeholders) {
		ApplicationConversionService conversionService = new ApplicationConversionService();
		conversionService.addConverter(new ServiceConfigDurationConverter());
		Map<ConfigurationPropertyName, Violation> unknown = new LinkedHashMap<>();
		for (ConfigurationPropertySource source : sources) {
			if (source.containsDescendantOf(CLIENTS) == ConfigurationPropertyState.ABSENT) {
				continue;
			}
			try {
				new Binder(List.of(source), placeholders, conversionService).bind(CLIENTS,
						Bindable.mapOf(String.class, ClientProperties.class),
						new NoUnboundElementsBindHandler(BindHandler.DEFAULT));
			}
			catch (BindException ex) {
				// Any other failure is a value that does not convert, which the regular binding reports first.
				if (ex.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
					unbound.getUnboundProperties()
						.forEach((property) -> unknown.putIfAbsent(property.getName(), violation(property)));
				}
			}
		}
		return List.copyOf(unknown.values());
	}

	private static Violation violation(ConfigurationProperty property) {
		ConfigurationPropertyName name = property.getName();
		Object value = property.getValue();
		String origin = (property.getOrigin() != null) ? property.getOrigin().toString() : null;
		return new Violation(name.toString(), (value != null) ? value.toString() : null, origin,
				"is not a property of a gRPC client, so it would be ignored", fix(name));
	}

	private static String fix(ConfigurationPropertyName name) {
		Class<?> type = ClientProperties.class;
		for (int i = CLIENT_PROPERTY_START; i < name.getNumberOfElements(); i++) {
			if (name.isNumericIndex(i)) {
				continue;
			}
			RecordComponent component = component(type, name.getElement(i, Form.UNIFORM));
			if (component == null) {
				return "check the spelling of '" + name.getElement(i, Form.ORIGINAL) + "'; the keys there are "
						+ keys(type);
			}
			type = boundType(component);
			if (type == null) {
				break;
			}
		}
		return "remove it or check its spelling";
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

}
