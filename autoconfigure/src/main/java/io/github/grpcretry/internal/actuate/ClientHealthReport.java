package io.github.grpcretry.internal.actuate;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A client's health as a health endpoint shows it, on every Spring Boot line: its status, and details from the same
 * reading of its connectivity state.
 *
 * @param health the status; Spring Boot's status codes are the names of its constants
 * @param details the connectivity state ({@code NOT_BUILT} before the channel is built) and the target
 */
public record ClientHealthReport(ClientHealth health, Map<String, Object> details) {

	public ClientHealthReport {
		// In the order given: the state first.
		details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
	}

}
