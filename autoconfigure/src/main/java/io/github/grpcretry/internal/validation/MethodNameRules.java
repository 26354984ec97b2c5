package io.github.grpcretry.internal.validation;

import java.util.List;
import java.util.Set;

import io.github.grpcretry.internal.serviceconfig.CloseNames;
import io.github.grpcretry.properties.MethodConfigProperties;

/**
 * A method config's names against the generated gRPC services on the class path: grpc-java matches names exactly, so
 * a name one slip away from a generated one ({@code Echo} or {@code echo.echo} for {@code echo.Echo}, a method typo)
 * governs no call, and nothing else would tell. A name close to none is left alone: a client may call services
 * whose code is not generated on this class path.
 */
final class MethodNameRules {

	private final String path;

	private final GeneratedServices generated;

	private final Violations violations;

	/**
	 * Checks one client's names.
	 * @param path the client's property path, such as {@code grpc.clients.echo}
	 * @param generated the generated services on the application's class path
	 * @param violations where each violation is added
	 */
	MethodNameRules(String path, GeneratedServices generated, Violations violations) {
		this.path = path;
		this.generated = generated;
		this.violations = violations;
	}

	void checkNames(List<MethodConfigProperties> methodConfigs) {
		for (int i = 0; i < methodConfigs.size(); i++) {
			List<MethodConfigProperties.Name> names = methodConfigs.get(i).name();
			for (int j = 0; j < names.size(); j++) {
				checkName(this.path + ".method-config[" + i + "].name[" + j + "]", names.get(j));
			}
		}
	}

	private void checkName(String property, MethodConfigProperties.Name name) {
		String service = name.service();
		// A missing service is the service-config rules' to report.
		if (service == null || service.isBlank()) {
			return;
		}
		Set<String> services = this.generated.services();
		if (!services.contains(service)) {
			String meant = CloseNames.closest(service, services);
			if (meant != null) {
				this.violations.add(property + ".service", service,
						"is no service of the generated gRPC code on the class path, and grpc-java matches service"
								+ " names exactly, so this name governs no call",
						"did you mean `" + meant + "`? Write the full name, <proto package>.<Service>; " + off());
			}
			return;
		}
		String method = name.method();
		if (method == null || method.isEmpty()) {
			return;
		}
		Set<String> methods = this.generated.methodsOf(service);
		String meant = CloseNames.closest(service + "/" + method, methods);
		if (meant != null) {
			this.violations.add(property + ".method", method,
					"is no method of " + service + " in its generated gRPC code on the class path, and grpc-java"
							+ " matches method names exactly, so this name governs no call",
					"did you mean `" + meant.substring(service.length() + 1) + "`? " + off());
		}
	}

	// A client whose calls name services or methods at run time, or whose generated code is elsewhere.
	private String off() {
		return "if the calls really go to this name (a method built at run time, or a service whose generated"
				+ " code is not on this class path), set " + this.path + ".check-method-names: false";
	}

}
