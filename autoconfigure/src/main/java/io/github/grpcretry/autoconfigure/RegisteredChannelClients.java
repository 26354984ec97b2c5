package io.github.grpcretry.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.github.grpcretry.internal.properties.ClientNames;
import io.github.grpcretry.internal.properties.ClientNames.Spelling;
import io.github.grpcretry.properties.GrpcClientsProperties;
import io.github.grpcretry.validation.InvalidGrpcClientPropertiesException;
import io.github.grpcretry.validation.Violation;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.AotDetector;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;
import org.springframework.util.Assert;

/**
 * The clients that {@link GrpcChannelBeansRegistrar} registered channel beans for. Spring AOT runs the registrar when
 * it processes the application at build time and keeps this bean's definition, the names included, in the code it
 * generates; started from that code, the application fails when its clients are no longer the build's, rather than
 * leave a client without a channel bean in silence. Every channel bean depends on this bean, so the check comes
 * before any channel is built.
 */
final class RegisteredChannelClients implements EnvironmentAware, InitializingBean {

	/** The bean's name. */
	static final String BEAN_NAME = "grpcRegisteredChannelClients";

	private final Set<String> names;

	private @Nullable Environment environment;

	RegisteredChannelClients(List<String> names) {
		this.names = new LinkedHashSet<>(names);
	}

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void afterPropertiesSet() {
		// Otherwise the registrar has just read the clients from this very environment.
		if (AotDetector.useGeneratedArtifacts()) {
			Assert.state(this.environment != null, "No Environment set");
			verify(ClientNames.of(ConfigurationPropertySources.get(this.environment)));
		}
	}

	/**
	 * Fails when the clients configured now are not the ones the channel beans were registered for.
	 * @param configured the clients the environment configures now
	 * @throws InvalidGrpcClientPropertiesException naming every client added or removed since
	 */
	void verify(ClientNames configured) {
		List<Violation> violations = new ArrayList<>();
		for (String name : configured.names()) {
			if (!this.names.contains(name)) {
				violations.add(added(name, configured.spelling(name)));
			}
		}
		for (String name : this.names) {
			if (!configured.names().contains(name)) {
				violations.add(removed(name));
			}
		}
		if (!violations.isEmpty()) {
			throw new InvalidGrpcClientPropertiesException(violations);
		}
	}

	private Violation added(String name, Spelling spelling) {
		return Violation.writtenIn(spelling.propertyPath(), spelling.property(),
				"configures client '" + name + "', which the application did not have when it was AOT-processed:"
						+ " the clients and their channel beans are fixed then, so '" + name
						+ "' would have no channel bean",
				"re-run AOT processing (spring-boot:process-aot, or the native image build) with client '" + name
						+ "' configured, or remove its properties; the clients of the build are " + this.names);
	}

	private Violation removed(String name) {
		return Violation.of(GrpcClientsProperties.CLIENTS + "." + name, null,
				"client '" + name + "' was configured when the application was AOT-processed and has a channel bean,"
						+ " but no property configures it now",
				"configure client '" + name + "' again (its address at least), or re-run AOT processing without it");
	}

}
