package io.github.grpcretry.autoconfigure;

import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

import io.github.grpcretry.internal.channel.StaticNameResolverProvider;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.properties.RetryPolicyProperties;
import io.grpc.NameResolverProvider;
import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;
import org.springframework.boot.context.properties.bind.BindableRuntimeHintsRegistrar;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A native image gets what the starter reaches by reflection and resources: through the hints that every
 * {@code RuntimeHintsRegistrar} of {@code META-INF/spring/aot.factories} registers, the starter's and Spring's, as
 * Spring AOT applies them.
 */
class GrpcRetryRuntimeHintsTests {

	private static final ClassLoader CLASS_LOADER = GrpcRetryRuntimeHintsTests.class.getClassLoader();

	@Test
	void registrarIsListedInAotFactories() {
		assertThat(registrars()).hasAtLeastOneElementOfType(GrpcRetryRuntimeHints.class);
	}

	@Test
	void grpcJavaFindsTheStaticResolverThroughItsServiceFile() throws NoSuchMethodException {
		RuntimeHints hints = fromAotFactories();
		assertThat(RuntimeHintsPredicates.resource().forResource(GrpcRetryRuntimeHints.NAME_RESOLVER_PROVIDERS))
			.accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection()
			.onConstructor(StaticNameResolverProvider.class.getConstructor())
			.invoke()).accepts(hints);
		// The file the hint keeps is the one that names the provider, as ServiceLoader reads it.
		assertThat(ServiceLoader.load(NameResolverProvider.class, CLASS_LOADER).stream())
			.anyMatch((provider) -> provider.type() == StaticNameResolverProvider.class);
	}

	@Test
	void inProcessBuilderCanBeLookedUpByName() {
		assertThat(RuntimeHintsPredicates.reflection()
			.onType(TypeReference.of(GrpcRetryRuntimeHints.IN_PROCESS_CHANNEL_BUILDER))).accepts(fromAotFactories());
	}

	@Test
	void everyPropertyRecordCanBeConstructedByTheBinder() {
		// What Spring Boot's AOT processing registers for the @ConfigurationProperties bean, then the starter's.
		RuntimeHints hints = bootsBindingHints();
		registrars().forEach((registrar) -> registrar.registerHints(hints, CLASS_LOADER));
		for (Class<?> record : propertyRecords()) {
			assertThat(RuntimeHintsPredicates.reflection().onConstructor(canonicalConstructor(record)).invoke())
				.as(record.getName())
				.accepts(hints);
		}
	}

	@Test
	void bootsBindingHintsAloneMissThePolicies() {
		// Why the starter registers them: once Spring Boot covers them, this fails and the starter's hint can go.
		assertThat(RuntimeHintsPredicates.reflection()
			.onConstructor(canonicalConstructor(RetryPolicyProperties.class))
			.invoke()).rejects(bootsBindingHints());
	}

	@Test
	void springsOwnHintsCoverTheFailureAnalyzer() throws ReflectiveOperationException {
		// Spring Framework's SpringFactoriesLoaderRuntimeHints covers META-INF/spring.factories: nothing to add.
		RuntimeHints hints = new RuntimeHints();
		registrars().stream()
			.filter((registrar) -> !(registrar instanceof GrpcRetryRuntimeHints))
			.forEach((registrar) -> registrar.registerHints(hints, CLASS_LOADER));
		assertThat(RuntimeHintsPredicates.reflection()
			.onConstructor(Class.forName("io.github.grpcretry.validation.InvalidGrpcClientPropertiesFailureAnalyzer")
				.getDeclaredConstructor())
			.invoke()).accepts(hints);
	}

	private static List<RuntimeHintsRegistrar> registrars() {
		return AotServices.factories(CLASS_LOADER).load(RuntimeHintsRegistrar.class).asList();
	}

	private static RuntimeHints fromAotFactories() {
		RuntimeHints hints = new RuntimeHints();
		registrars().forEach((registrar) -> registrar.registerHints(hints, CLASS_LOADER));
		return hints;
	}

	private static RuntimeHints bootsBindingHints() {
		RuntimeHints hints = new RuntimeHints();
		BindableRuntimeHintsRegistrar.forTypes(GrpcClientsProperties.class).registerHints(hints, CLASS_LOADER);
		return hints;
	}

	/** Every record that binding reaches from {@code grpc.*}: as components, list elements and map values. */
	private static Set<Class<?>> propertyRecords() {
		Set<Class<?>> records = new LinkedHashSet<>();
		collectRecords(GrpcClientsProperties.class, records);
		assertThat(records).hasSizeGreaterThan(5);
		return records;
	}

	private static void collectRecords(Class<?> record, Set<Class<?>> records) {
		if (!records.add(record)) {
			return;
		}
		for (RecordComponent component : record.getRecordComponents()) {
			Set<Type> types = new LinkedHashSet<>(List.of(component.getGenericType()));
			if (component.getGenericType() instanceof ParameterizedType parameterized) {
				types.addAll(List.of(parameterized.getActualTypeArguments()));
			}
			for (Type type : types) {
				if (type instanceof Class<?> candidate && candidate.isRecord()) {
					collectRecords(candidate, records);
				}
			}
		}
	}

	private static Constructor<?> canonicalConstructor(Class<?> record) {
		Class<?>[] types = Arrays.stream(record.getRecordComponents())
			.map(RecordComponent::getType)
			.toArray(Class<?>[]::new);
		try {
			return record.getDeclaredConstructor(types);
		}
		catch (NoSuchMethodException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
