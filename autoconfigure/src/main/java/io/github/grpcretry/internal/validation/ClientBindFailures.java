package io.github.grpcretry.internal.validation;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.github.grpcretry.properties.FailureStatusCode;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.validation.Violation;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.core.convert.ConversionFailedException;
import org.springframework.util.unit.DataSize;

/**
 * Records each value under {@code grpc.clients.<name>} that Spring Boot cannot bind ({@code max-attempts: three},
 * {@code initial-backoff: soon}, a status code that is none) as a violation, and binds it as missing, so that binding
 * goes on and {@link GrpcClientPropertiesVerifier} reports it with every other violation, instead of start-up
 * stopping at the first such value. One instance records one binding.
 */
public final class ClientBindFailures extends AbstractBindHandler {

	private static final ConfigurationPropertyName CLIENTS = ConfigurationPropertyName
		.of(GrpcClientsProperties.CLIENTS);

	// The property of a client is one element below its name: grpc.clients.<name>.<property>.
	private static final int CLIENT_PROPERTY_DEPTH = CLIENTS.getNumberOfElements() + 2;

	private final Map<String, Violation> violations = new LinkedHashMap<>();

	/**
	 * Creates a recorder that leaves every other failure to the given handler.
	 * @param parent the handler to delegate to
	 */
	public ClientBindFailures(BindHandler parent) {
		super(parent);
	}

	@Override
	public @Nullable Object onFailure(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
			Exception error) throws Exception {
		if (!CLIENTS.isAncestorOf(name) || name.getNumberOfElements() < CLIENT_PROPERTY_DEPTH) {
			return super.onFailure(name, target, context, error);
		}
		// A list stops at an element that failed: the elements after it are left over, a consequence of that one.
		if (!(error instanceof UnboundConfigurationPropertiesException && hasFailureBelow(name))) {
			this.violations.putIfAbsent(name.toString(), violation(name, target, context.getConfigurationProperty(),
					error));
		}
		return null;
	}

	/**
	 * The values that could not be bound, in the order met.
	 * @return the violations, empty when everything was bound
	 */
	public List<Violation> violations() {
		return List.copyOf(this.violations.values());
	}

	private boolean hasFailureBelow(ConfigurationPropertyName name) {
		return this.violations.keySet()
			.stream()
			.map(ConfigurationPropertyName::of)
			.anyMatch(name::isAncestorOf);
	}

	private static Violation violation(ConfigurationPropertyName name, Bindable<?> target,
			@Nullable ConfigurationProperty property, Exception error) {
		return Violation.writtenIn(name.toString(), property, "cannot be bound (" + reason(error).getMessage() + ")",
				fix(target));
	}

	private static String fix(Bindable<?> target) {
		Class<?> type = target.getType().resolve(Object.class);
		Class<?> element = target.getType().asCollection().resolveGeneric(0);
		Class<?> valueType = (element != null) ? element : type;
		if (FailureStatusCode.class.equals(valueType)) {
			return "write gRPC status codes other than OK, by name in any case or kebab-case, or by number from 1 to"
					+ " 16: " + FailureStatusCode.ALL_NAMES;
		}
		if (valueType.isEnum()) {
			return "write one of " + Arrays.stream(valueType.getEnumConstants())
				.map((constant) -> ((Enum<?>) constant).name())
				.collect(Collectors.joining(", ")) + ((element != null) ? " for each element" : "")
					+ " (any case, or kebab-case)";
		}
		if (Duration.class.equals(valueType)) {
			return "write a duration, such as 10ms, 1.5s or .01s";
		}
		if (DataSize.class.equals(valueType)) {
			return "write a size, such as 512KB or 8MB";
		}
		if (Boolean.class.equals(valueType) || boolean.class.equals(valueType)) {
			return "write true or false";
		}
		if (Number.class.isAssignableFrom(valueType) || valueType.isPrimitive()) {
			return "write a number";
		}
		return "write a value of type " + target.getType() + ", or remove it";
	}

	// What the converter said, rather than what it caught: "'UNAVAILBLE' is not a gRPC status code".
	private static Throwable reason(Throwable error) {
		Throwable reason = error;
		while (reason.getCause() != null && reason.getCause() != reason
				&& !(reason instanceof ConversionFailedException)) {
			reason = reason.getCause();
		}
		return (reason.getCause() != null) ? reason.getCause() : reason;
	}

}
