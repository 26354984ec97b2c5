package io.github.grpcretry.internal.actuate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.actuate.autoconfigure.endpoint.PropertiesEndpointAccessResolver;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.context.properties.source.MutuallyExclusiveConfigurationPropertiesException;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertyResolver;
import org.springframework.core.env.PropertySourcesPropertyResolver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The switch's access, proved against Spring Boot's own {@link PropertiesEndpointAccessResolver} of the line the
 * tests run on, for every combination of the five keys: it writes exactly when Boot would grant unrestricted access
 * with the legacy keys left out, and names the legacy key exactly when Boot grants by it what the switch refuses.
 */
@ExtendWith(OutputCaptureExtension.class)
class SwitchAccessTests {

	private static final EndpointId ID = EndpointId.of("grpcclients");

	private static final Pattern NAMED_LEGACY_KEY = Pattern.compile("refused: (\\S+)=true grants it no writes");

	private static final Map<String, List<String>> VALUES = new LinkedHashMap<>();

	static {
		VALUES.put(SwitchAccess.ACCESS_KEY, List.of("none", "read-only", "unrestricted"));
		VALUES.put(SwitchAccess.ENABLED_KEY, List.of("true", "false"));
		VALUES.put(SwitchAccess.DEFAULT_ACCESS_KEY, List.of("none", "read-only", "unrestricted"));
		VALUES.put(SwitchAccess.ENABLED_BY_DEFAULT_KEY, List.of("true", "false"));
		VALUES.put(SwitchAccess.MAX_PERMITTED_KEY, List.of("none", "read-only", "unrestricted"));
	}

	@Test
	void writesExactlyWhenBootGrantsUnrestrictedAccessWithoutTheLegacyKeys() {
		int checked = 0;
		int refusedWhereBootGrants = 0;
		for (Map<String, String> keys : everyCombination()) {
			Access boot = bootAccess(keys);
			if (boot == null) {
				continue;
			}
			Map<String, String> accessKeysOnly = new LinkedHashMap<>(keys);
			accessKeysOnly.remove(SwitchAccess.ENABLED_KEY);
			accessKeysOnly.remove(SwitchAccess.ENABLED_BY_DEFAULT_KEY);
			boolean accessKeysGrant = bootAccess(accessKeysOnly) == Access.UNRESTRICTED;

			String refusal = SwitchAccess.of(environment(keys)).refusal();

			assertThat(refusal == null).as("writes with %s", keys).isEqualTo(accessKeysGrant);
			if (refusal != null) {
				Matcher named = NAMED_LEGACY_KEY.matcher(refusal);
				assertThat(named.find()).as("a legacy key named with %s", keys).isEqualTo(boot == Access.UNRESTRICTED);
				if (boot == Access.UNRESTRICTED) {
					assertThat(keys).containsEntry(named.group(1), "true");
					refusedWhereBootGrants++;
				}
			}
			checked++;
		}
		// Every combination but those Boot refuses, both keys of one level set: 6 per level, times 4 caps.
		assertThat(checked).isEqualTo(6 * 6 * 4);
		assertThat(refusedWhereBootGrants).isPositive();
	}

	@Test
	void aLegacyKeyThatGrantsWhatTheSwitchRefusesIsNamedWithTheAccessKeyToSet(CapturedOutput output) {
		String refusal = SwitchAccess.of(environment(Map.of(SwitchAccess.ENABLED_KEY, "true"))).refusal();

		assertThat(refusal).isEqualTo("the incident switch is refused: management.endpoint.grpcclients.enabled"
				+ "=true grants it no writes; set management.endpoint.grpcclients.access=unrestricted in place of"
				+ " management.endpoint.grpcclients.enabled");
		assertThat(output).containsOnlyOnce("management.endpoint.grpcclients.enabled=true grants the grpcclients"
				+ " endpoint unrestricted access in Spring Boot, but its incident switch takes writes from the access"
				+ " keys only");
	}

	@Test
	void nothingIsLoggedWhenNoLegacyKeyGrantsWrites(CapturedOutput output) {
		SwitchAccess.of(environment(Map.of(SwitchAccess.ENABLED_BY_DEFAULT_KEY, "true",
				SwitchAccess.MAX_PERMITTED_KEY, "read-only")));
		SwitchAccess.of(environment(Map.of(SwitchAccess.ENABLED_BY_DEFAULT_KEY, "true", SwitchAccess.ACCESS_KEY,
				"read-only")));
		SwitchAccess.of(environment(Map.of()));

		assertThat(output).doesNotContain("grants the grpcclients endpoint");
	}

	// Boot's answer, or null where it refuses the combination (both keys of one level set).
	private static @Nullable Access bootAccess(Map<String, String> keys) {
		try {
			return new PropertiesEndpointAccessResolver(environment(keys)).accessFor(ID, Access.READ_ONLY);
		}
		catch (MutuallyExclusiveConfigurationPropertiesException ex) {
			return null;
		}
	}

	// The keys alone, read as Spring Boot's Environment reads them: enum values in kebab case through its converters.
	private static PropertyResolver environment(Map<String, String> keys) {
		MutablePropertySources sources = new MutablePropertySources();
		sources.addFirst(new MapPropertySource("keys", new LinkedHashMap<>(keys)));
		PropertySourcesPropertyResolver properties = new PropertySourcesPropertyResolver(sources);
		properties.setConversionService(new ApplicationConversionService());
		return properties;
	}

	private static List<Map<String, String>> everyCombination() {
		List<Map<String, String>> combinations = new ArrayList<>();
		combinations.add(new LinkedHashMap<>());
		for (Map.Entry<String, List<String>> key : VALUES.entrySet()) {
			List<Map<String, String>> extended = new ArrayList<>();
			for (Map<String, String> combination : combinations) {
				extended.add(combination);
				for (String value : key.getValue()) {
					Map<String, String> with = new LinkedHashMap<>(combination);
					with.put(key.getKey(), value);
					extended.add(with);
				}
			}
			combinations = extended;
		}
		return combinations;
	}

}
