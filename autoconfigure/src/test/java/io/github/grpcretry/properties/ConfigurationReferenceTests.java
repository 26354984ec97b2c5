package io.github.grpcretry.properties;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration reference, {@code docs/configuration.md}, cannot drift from the code: its two tables of
 * {@code grpc.clients.<name>.*} list exactly the keys the property records bind, each with the type the code binds,
 * each default the code sets is the one documented, a key without one is not documented with a value of its own,
 * and every value of an enum key is named.
 */
class ConfigurationReferenceTests {

	private static final Path REFERENCE = Path.of("../docs/configuration.md");

	private static final Pattern ROW = Pattern.compile("^\\| ([^|]+) \\| ([^|]+) \\| ([^|]+) \\| (.+) \\|$");

	private static final Pattern KEY = Pattern.compile("`([^`]+)`");

	@Test
	void theClientTableListsEveryKeyOfAClientAndNoOther() throws IOException {
		Map<String, Key> code = keys(ClientProperties.class, "", 0);
		assertThat(table("### Client").keySet()).containsExactlyInAnyOrderElementsOf(code.keySet());
	}

	@Test
	void theMethodConfigTableListsEveryKeyOfAMethodConfigAndNoOther() throws IOException {
		Map<String, Key> code = keys(MethodConfigProperties.class, "", 1);
		assertThat(table("### Method config").keySet()).containsExactlyInAnyOrderElementsOf(code.keySet());
	}

	@Test
	void everyTypeIsTheCodes() throws IOException {
		Map<String, Row> documented = documented();
		code().forEach((name, key) -> assertThat(documented.get(name).type()).as("type of %s", name)
			.isEqualTo(key.typeName()));
	}

	@Test
	void everyDefaultIsTheCodesAndEveryEnumValueIsNamed() throws IOException {
		Map<String, Row> documented = documented();
		for (Map.Entry<String, Key> entry : code().entrySet()) {
			Row row = documented.get(entry.getKey());
			Key key = entry.getValue();
			if (key.defaultValue() != null && !key.defaultValue().isEmpty()) {
				assertThat(row.defaultValue()).as("default of %s", entry.getKey())
					.isEqualTo("`" + key.defaultValue() + "`");
			}
			else {
				// Unset in the code: none, or grpc-java's own, never a value the starter would seem to set.
				assertThat(row.defaultValue()).as("default of %s, which the code leaves unset", entry.getKey())
					.matches("—|none|off|grpc-java's .+");
			}
			if (key.type().isEnum()) {
				for (Object constant : key.type().getEnumConstants()) {
					assertThat(row.meaning()).as("values of %s", entry.getKey())
						.contains("`" + ((Enum<?>) constant).name().toLowerCase(Locale.ROOT) + "`");
				}
			}
		}
	}

	private static Map<String, Row> documented() throws IOException {
		Map<String, Row> documented = new LinkedHashMap<>(table("### Client"));
		documented.putAll(table("### Method config"));
		return documented;
	}

	private static Map<String, Key> code() {
		Map<String, Key> code = new LinkedHashMap<>(keys(ClientProperties.class, "", 0));
		code.putAll(keys(MethodConfigProperties.class, "", 1));
		return code;
	}

	// The rows of the table under a heading: each key of the first cell (several for "`a` / `b`"), with its default
	// and meaning. A row that describes leaving a key out ("`name` omitted") names no key.
	private static Map<String, Row> table(String heading) throws IOException {
		String reference = Files.readString(REFERENCE);
		int start = reference.indexOf("\n" + heading);
		assertThat(start).as("the heading %s in %s", heading, REFERENCE).isNotNegative();
		Map<String, Row> rows = new LinkedHashMap<>();
		boolean inTable = false;
		for (String line : reference.substring(start + 1).lines().skip(1).toList()) {
			if (line.startsWith("#")) {
				break;
			}
			Matcher row = ROW.matcher(line);
			if (!row.matches()) {
				if (inTable) {
					break;
				}
				continue;
			}
			inTable = true;
			String keys = row.group(1).trim();
			if (keys.equals("key") || keys.startsWith("---") || keys.contains("omitted")) {
				continue;
			}
			Matcher key = KEY.matcher(keys);
			while (key.find()) {
				rows.put(key.group(1), new Row(row.group(2).trim(), row.group(3).trim(), row.group(4).trim()));
			}
		}
		return rows;
	}

	// The keys a property record binds, in kebab case: a record's components under its key, a list of records as
	// key[i] (key[j] one level down), itself a row of the table above the one of its entries.
	private static Map<String, Key> keys(Class<?> type, String prefix, int depth) {
		Map<String, Key> keys = new LinkedHashMap<>();
		RecordComponent[] components = type.getRecordComponents();
		Constructor<?> constructor = canonicalConstructor(type, components);
		for (int i = 0; i < components.length; i++) {
			RecordComponent component = components[i];
			String name = prefix + kebab(component.getName());
			DefaultValue defaultValue = constructor.getParameters()[i].getAnnotation(DefaultValue.class);
			Class<?> element = listElement(component.getGenericType());
			if (element != null && element.isRecord()) {
				String index = name + "[" + (char) ('i' + depth) + "]";
				if (depth == 0 && element == MethodConfigProperties.class) {
					// Its own table, the method config one.
					keys.put(index, new Key(List.class, "list", null));
				}
				else {
					keys.putAll(keys(element, index + ".", depth + 1));
				}
			}
			else if (component.getType().isRecord()) {
				keys.putAll(keys(component.getType(), name + ".", depth));
			}
			else {
				String value = (defaultValue != null) ? String.join(",", defaultValue.value()) : null;
				String typeName = (element == FailureStatusCode.class) ? "status codes" : typeName(component.getType());
				keys.put(name, new Key(component.getType(), typeName, value));
			}
		}
		return keys;
	}

	// What the reference calls each Java type of a key.
	private static @Nullable String typeName(Class<?> type) {
		if (type.isEnum()) {
			return "enum";
		}
		Map<Class<?>, String> names = Map.of(String.class, "text", Boolean.class, "boolean", boolean.class,
				"boolean", Integer.class, "integer", Double.class, "number", Duration.class, "duration",
				DataSize.class, "size");
		return names.get(type);
	}

	private static Constructor<?> canonicalConstructor(Class<?> type, RecordComponent[] components) {
		try {
			return type.getDeclaredConstructor(
					Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
		}
		catch (NoSuchMethodException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static @Nullable Class<?> listElement(Type type) {
		if (type instanceof ParameterizedType parameterized && parameterized.getRawType() == List.class
				&& parameterized.getActualTypeArguments()[0] instanceof Class<?> element) {
			return element;
		}
		return null;
	}

	private static String kebab(String camel) {
		return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
	}

	private record Row(String type, String defaultValue, String meaning) {
	}

	private record Key(Class<?> type, @Nullable String typeName, @Nullable String defaultValue) {
	}

}
