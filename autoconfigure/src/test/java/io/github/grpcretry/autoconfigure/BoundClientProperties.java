package io.github.grpcretry.autoconfigure;

import java.util.List;

import io.github.grpcretry.internal.properties.FailureStatusCodeConverter;
import io.github.grpcretry.internal.properties.ServiceConfigDurationConverter;
import io.github.grpcretry.internal.validation.GrpcClientPropertiesVerifier;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.test.UserProperties;
import io.github.grpcretry.validation.InvalidGrpcClientPropertiesException;
import io.github.grpcretry.validation.Violation;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.bind.handler.IgnoreTopLevelConverterNotFoundBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.env.AbstractEnvironment;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.format.support.FormattingConversionService;

/**
 * {@code grpc.clients} bound and verified as start-up binds and verifies them, without an application context:
 * Spring Boot's {@link Binder} with the starter's converters first, as {@code @ConfigurationPropertiesBinding} beans
 * are, and the starter's bind handler, which records a value it cannot bind; then {@link GrpcClientPropertiesVerifier}
 * with what it recorded. A test of one rule needs no more; the tests that start an application prove the wiring.
 */
public final class BoundClientProperties {

	private final Environment environment;

	private final GrpcClientsProperties properties;

	private final List<Violation> bindFailures;

	private BoundClientProperties(Environment environment, GrpcClientsProperties properties,
			List<Violation> bindFailures) {
		this.environment = environment;
		this.properties = properties;
		this.bindFailures = bindFailures;
	}

	/**
	 * Binds properties written in one source, named {@code test properties}.
	 * @param written the properties
	 * @return the bound properties
	 */
	public static BoundClientProperties of(UserProperties written) {
		return of(new MapPropertySource("test properties", written.asMap()));
	}

	/**
	 * Binds properties from the given sources only (no system properties or environment variables).
	 * @param sources the sources, the first one overriding the others
	 * @return the bound properties
	 */
	public static BoundClientProperties of(PropertySource<?>... sources) {
		ConfigurableEnvironment environment = new AbstractEnvironment() {
		};
		for (PropertySource<?> source : sources) {
			environment.getPropertySources().addLast(source);
		}
		FormattingConversionService converters = new FormattingConversionService();
		converters.addConverter(new ServiceConfigDurationConverter());
		converters.addConverter(new FailureStatusCodeConverter());
		Binder binder = new Binder(ConfigurationPropertySources.get(environment),
				new PropertySourcesPlaceholdersResolver(environment),
				List.of(converters, ApplicationConversionService.getSharedInstance()), null, null, null);
		GrpcClientsBindHandlerAdvisor binding = new GrpcClientsBindHandlerAdvisor();
		GrpcClientsProperties properties = binder.bindOrCreate(GrpcClientsProperties.PREFIX,
				Bindable.of(GrpcClientsProperties.class),
				binding.apply(new IgnoreTopLevelConverterNotFoundBindHandler()));
		return new BoundClientProperties(environment, properties, binding.bindFailures());
	}

	/**
	 * The properties as the channel factory gets them.
	 * @return the bound properties
	 */
	public GrpcClientsProperties properties() {
		return this.properties;
	}

	/**
	 * The values that could not be bound, which {@link #properties()} holds as missing.
	 * @return the violations, empty when every value was bound
	 */
	public List<Violation> bindFailures() {
		return this.bindFailures;
	}

	/**
	 * The environment the properties were bound from, holding the given sources only.
	 * @return the environment
	 */
	public Environment environment() {
		return this.environment;
	}

	/**
	 * Verifies the properties as start-up does, in an application without SSL bundles.
	 * @throws InvalidGrpcClientPropertiesException if any property breaks a rule
	 */
	public void verify() {
		GrpcClientPropertiesVerifier.verify(this.properties, this.bindFailures, this.environment, (bundle) -> false,
				getClass().getClassLoader());
	}

	/**
	 * Verifies the properties as start-up does, expecting a failure.
	 * @return what start-up would fail with
	 */
	public InvalidGrpcClientPropertiesException failure() {
		try {
			verify();
		}
		catch (InvalidGrpcClientPropertiesException ex) {
			return ex;
		}
		throw new AssertionError("Start-up would go on: no property breaks a rule");
	}

}
