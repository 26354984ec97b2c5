package io.github.grpcretry.springgrpc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.github.grpcretry.internal.serviceconfig.UnenforcedSettings;
import io.github.grpcretry.internal.validation.GrpcClientPropertiesVerifier;
import io.github.grpcretry.internal.validation.ServiceConfigKeys;
import io.github.grpcretry.internal.validation.ServiceConfigRules;
import io.github.grpcretry.validation.InvalidGrpcClientPropertiesException;
import io.github.grpcretry.validation.Violation;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.MutuallyExclusiveConfigurationPropertiesException;
import org.springframework.boot.grpc.client.autoconfigure.ServiceConfig;
import org.springframework.boot.grpc.client.autoconfigure.ServiceConfig.MethodConfig;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;
import org.springframework.util.Assert;

/**
 * Checks the typed service config of every Spring Boot 4.1 gRPC channel
 * ({@code spring.grpc.client.channel.<name>.service-config}) by the starter's validation rules, before any bean is
 * created, and fails start-up with an {@link InvalidGrpcClientPropertiesException} that names Spring Boot's property
 * paths. A value Spring Boot cannot bind is reported the same way, and the other channels are still checked; so is a
 * {@code per-attempt-receive-timeout}, which grpc-java parses but never enforces ({@link UnenforcedSettings}).
 */
final class SpringBootServiceConfigVerifier implements BeanFactoryPostProcessor, EnvironmentAware {

	private static final String CHANNELS = "spring.grpc.client.channel";

	private static final ConfigurationPropertyName CHANNELS_NAME = ConfigurationPropertyName.of(CHANNELS);

	private static final String ALL_CODE_NAMES = Arrays.stream(Status.Code.values())
		.map(Status.Code::name)
		.collect(Collectors.joining(", "));

	private @Nullable Environment environment;

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		Environment environment = this.environment;
		Assert.state(environment != null, "The environment has not been set");
		BindFailures failures = new BindFailures();
		// Only each channel's service config is bound here; Spring Boot binds the rest of its properties itself.
		Map<String, Channel> channels = Binder.get(environment)
			.bind(CHANNELS, Bindable.mapOf(String.class, Channel.class), failures)
			.orElse(Map.of());
		List<Violation> violations = new ArrayList<>(failures.violations.values());
		channels.forEach((name, channel) -> {
			ServiceConfig serviceConfig = (channel != null) ? channel.serviceConfig() : null;
			// A channel with a value that could not be bound has lost part of its config: checking the rest would
			// report what is missing only because of that value.
			if (serviceConfig != null && !failures.channels.contains(name)) {
				String path = CHANNELS + "." + name + ".service-config";
				List<Violation> successCodes = successCodes(path, serviceConfig);
				// The model leaves OK out of the codes: a list of OK alone is not also "required".
				ServiceConfigRules
					.validate(path, ServiceConfigKeys.SPRING_BOOT,
							SpringBootServiceConfigs.methodConfigs(serviceConfig),
							SpringBootServiceConfigs.retryThrottling(serviceConfig))
					.stream()
					.filter((violation) -> successCodes.stream()
						.noneMatch((success) -> success.property().equals(violation.property())))
					.forEach(violations::add);
				violations.addAll(successCodes);
				violations.addAll(perAttemptReceiveTimeouts(path, serviceConfig));
			}
		});
		GrpcClientPropertiesVerifier.failOn(violations, environment);
	}

	// Spring Boot binds OK among the codes of a policy; the starter's model holds failure codes only.
	private static List<Violation> successCodes(String path, ServiceConfig serviceConfig) {
		List<Violation> violations = new ArrayList<>();
		List<MethodConfig> methodConfigs = (serviceConfig.method() != null) ? serviceConfig.method() : List.of();
		for (int i = 0; i < methodConfigs.size(); i++) {
			String entry = path + ".method[" + i + "]";
			MethodConfig.RetryPolicy retry = methodConfigs.get(i).retry();
			if (retry != null && retry.retryableStatusCodes() != null
					&& retry.retryableStatusCodes().contains(Status.Code.OK)) {
				violations.add(ServiceConfigRules.successCode(entry + ".retry.retryable-status-codes",
						"retried"));
			}
			MethodConfig.HedgingPolicy hedging = methodConfigs.get(i).hedging();
			if (hedging != null && hedging.nonFatalStatusCodes() != null
					&& hedging.nonFatalStatusCodes().contains(Status.Code.OK)) {
				violations.add(ServiceConfigRules.successCode(entry + ".hedging.non-fatal-status-codes",
						"hedged on"));
			}
		}
		return violations;
	}

	// The one key of Spring Boot's that the starter's model has no place for, because grpc-java ignores it.
	private static List<Violation> perAttemptReceiveTimeouts(String path, ServiceConfig serviceConfig) {
		List<Violation> violations = new ArrayList<>();
		List<MethodConfig> methodConfigs = (serviceConfig.method() != null) ? serviceConfig.method() : List.of();
		for (int i = 0; i < methodConfigs.size(); i++) {
			MethodConfig.RetryPolicy retry = methodConfigs.get(i).retry();
			if (retry != null && retry.perAttemptReceiveTimeout() != null) {
				String entry = path + ".method[" + i + "]";
				violations.add(Violation.of(entry + ".retry.per-attempt-receive-timeout",
						retry.perAttemptReceiveTimeout(), UnenforcedSettings.PER_ATTEMPT_RECV_TIMEOUT_PROBLEM,
						UnenforcedSettings.perAttemptRecvTimeoutFix(entry + ".timeout")));
			}
		}
		return violations;
	}

	/**
	 * Spring Boot's channel properties, of which only the service config is bound. Not private: Spring Boot binds no
	 * private constructor of a nested type.
	 *
	 * @param serviceConfig the channel's typed service config
	 */
	record Channel(@Nullable ServiceConfig serviceConfig) {
	}

	/**
	 * Turns each value that Spring Boot cannot bind into a violation and binds it as missing, so that binding goes
	 * on.
	 */
	private static final class BindFailures extends AbstractBindHandler {

		// By property: the binder binds a channel again for each of its properties while it is missing.
		private final Map<String, Violation> violations = new LinkedHashMap<>();

		private final Set<String> channels = new HashSet<>();

		@Override
		public @Nullable Object onFailure(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
				Exception error) throws Exception {
			if (name.getNumberOfElements() <= CHANNELS_NAME.getNumberOfElements()) {
				return super.onFailure(name, target, context, error);
			}
			String channel = name.getElement(CHANNELS_NAME.getNumberOfElements(), Form.ORIGINAL);
			// A list whose entry failed has that entry's properties left over: a consequence, not a second problem.
			boolean consequence = error instanceof UnboundConfigurationPropertiesException
					&& this.channels.contains(channel);
			if (!consequence) {
				this.channels.add(channel);
				this.violations.putIfAbsent(name.toString(),
						violation(name, target, context.getConfigurationProperty(), error));
			}
			return null;
		}

		private static Violation violation(ConfigurationPropertyName name, Bindable<?> target,
				@Nullable ConfigurationProperty property, Exception error) {
			MutuallyExclusiveConfigurationPropertiesException exclusive = find(error,
					MutuallyExclusiveConfigurationPropertiesException.class);
			// Spring Boot's method config refuses both policies in its constructor, before the rules can see them.
			if (exclusive != null && exclusive.getConfiguredNames().contains("method.retry")) {
				return ServiceConfigRules.retryAndHedging(name.toString(), ServiceConfigKeys.SPRING_BOOT);
			}
			String reason = rootCause(error).getMessage();
			if (isStatusCodes(target.getType())) {
				return Violation.writtenIn(name.toString(), property,
						"is not a list of gRPC status code names, so Spring Boot cannot bind it (" + reason + ")",
						"write code names such as UNAVAILABLE (any case, or kebab-case); the codes are "
								+ ALL_CODE_NAMES);
			}
			return Violation.writtenIn(name.toString(), property, "cannot be bound by Spring Boot (" + reason + ")",
					"write a value of type " + target.getType() + ", or remove it");
		}

		private static boolean isStatusCodes(ResolvableType type) {
			return Status.Code.class.equals(type.resolve())
					|| Status.Code.class.equals(type.asCollection().resolveGeneric(0));
		}

		private static <T extends Throwable> @Nullable T find(Throwable error, Class<T> type) {
			for (Throwable candidate = error; candidate != null; candidate = candidate.getCause()) {
				if (type.isInstance(candidate)) {
					return type.cast(candidate);
				}
			}
			return null;
		}

		private static Throwable rootCause(Throwable error) {
			Throwable root = error;
			while (root.getCause() != null && root.getCause() != root) {
				root = root.getCause();
			}
			return root;
		}

	}

}
