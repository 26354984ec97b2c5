package io.github.grpcretry.internal.actuate;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.core.env.PropertyResolver;

/**
 * Whether the incident switch may write: only when the {@code access} keys grant the {@code grpcclients} endpoint
 * unrestricted access. Spring Boot 3.5 to 4.1 also grant it for the deprecated
 * {@code management.endpoint.grpcclients.enabled=true} and {@code management.endpoints.enabled-by-default=true};
 * with one of those alone the endpoint stays readable, a write is refused naming the key to set (over HTTP with 403,
 * over JMX, where Boot lets the operation through as well, with the same reason), and start-up warns once. Reads the
 * keys as Spring Boot's {@code PropertiesEndpointAccessResolver} does on each of those lines: the endpoint's own key
 * before the default for every endpoint, then capped by {@code access.max-permitted}.
 */
final class SwitchAccess {

	static final String ACCESS_KEY = "management.endpoint.grpcclients.access";

	static final String ENABLED_KEY = "management.endpoint.grpcclients.enabled";

	static final String DEFAULT_ACCESS_KEY = "management.endpoints.access.default";

	static final String ENABLED_BY_DEFAULT_KEY = "management.endpoints.enabled-by-default";

	static final String MAX_PERMITTED_KEY = "management.endpoints.access.max-permitted";

	private static final Log logger = LogFactory.getLog(SwitchAccess.class);

	private final boolean granted;

	// The deprecated key Spring Boot grants the endpoint unrestricted access by while the access keys do not
	private final @Nullable String ignoredLegacyKey;

	private SwitchAccess(boolean granted, @Nullable String ignoredLegacyKey) {
		this.granted = granted;
		this.ignoredLegacyKey = ignoredLegacyKey;
	}

	/**
	 * Reads the access keys, and warns once when a legacy key grants what the switch does not take from it.
	 * @param properties the application's environment
	 * @return the access
	 */
	static SwitchAccess of(PropertyResolver properties) {
		boolean granted = accessKeys(properties) == Access.UNRESTRICTED;
		SwitchAccess access = new SwitchAccess(granted, granted ? null : legacyKeyGranting(properties));
		if (access.ignoredLegacyKey != null) {
			logger.warn(access.ignoredLegacyKey + "=true grants the grpcclients endpoint unrestricted access in Spring"
					+ " Boot, but its incident switch takes writes from the access keys only: the endpoint stays"
					+ " readable and a write is refused; " + access.advice() + " to grant writes");
		}
		return access;
	}

	/**
	 * Why the switch may not write.
	 * @return the reason, naming the key to set, or {@code null} when writes are granted
	 */
	@Nullable String refusal() {
		if (this.granted) {
			return null;
		}
		String reason = (this.ignoredLegacyKey != null) ? this.ignoredLegacyKey + "=true grants it no writes"
				: "no access key grants the grpcclients endpoint writes";
		return "the incident switch is refused: " + reason + "; " + advice();
	}

	private String advice() {
		if (ENABLED_KEY.equals(this.ignoredLegacyKey)) {
			// Spring Boot refuses both keys of one endpoint together
			return "set " + ACCESS_KEY + "=unrestricted in place of " + ENABLED_KEY;
		}
		if (ENABLED_BY_DEFAULT_KEY.equals(this.ignoredLegacyKey)) {
			return "set " + ACCESS_KEY + "=unrestricted, or " + DEFAULT_ACCESS_KEY + "=unrestricted in place of "
					+ ENABLED_BY_DEFAULT_KEY;
		}
		return "set " + ACCESS_KEY + "=unrestricted";
	}

	// Spring Boot's resolution without its legacy keys: the endpoint's key, then the default for every one.
	private static Access accessKeys(PropertyResolver properties) {
		Access access = properties.getProperty(ACCESS_KEY, Access.class);
		if (access == null) {
			access = properties.getProperty(DEFAULT_ACCESS_KEY, Access.class, Access.READ_ONLY);
		}
		return access.cap(maxPermitted(properties));
	}

	// Spring Boot's resolution where a legacy key decides it: the endpoint's key, then the default for every one.
	private static @Nullable String legacyKeyGranting(PropertyResolver properties) {
		if (properties.getProperty(ACCESS_KEY, Access.class) != null) {
			return null;
		}
		String key = ENABLED_KEY;
		Boolean enabled = properties.getProperty(ENABLED_KEY, Boolean.class);
		if (enabled == null) {
			if (properties.getProperty(DEFAULT_ACCESS_KEY, Access.class) != null) {
				return null;
			}
			key = ENABLED_BY_DEFAULT_KEY;
			enabled = properties.getProperty(ENABLED_BY_DEFAULT_KEY, Boolean.class);
		}
		return (Boolean.TRUE.equals(enabled) && maxPermitted(properties) == Access.UNRESTRICTED) ? key : null;
	}

	private static Access maxPermitted(PropertyResolver properties) {
		return properties.getProperty(MAX_PERMITTED_KEY, Access.class, Access.UNRESTRICTED);
	}

}
