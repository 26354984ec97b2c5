package io.github.grpcretry.internal.refresh;

import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;

/**
 * Has the {@link GrpcClientsRefresher} act on every {@code EnvironmentChangeEvent} of the application's context,
 * whatever keys it names, as Spring Cloud's own {@code ConfigurationPropertiesRebinder} re-binds on each: what
 * {@code /actuator/refresh}, Spring Cloud Config and Kubernetes ConfigMap reloads publish. The keys are empty when a
 * property source changed in place before the refresh, and name {@code other.key} alone when a client's value is
 * written as {@code ${other.key}}; the refresher compares the re-bound clients instead. Only loaded when Spring Cloud
 * Context is on the class path.
 */
public final class EnvironmentChangeListener implements ApplicationListener<EnvironmentChangeEvent> {

	private final ApplicationContext context;

	private final GrpcClientsRefresher refresher;

	/**
	 * Creates the listener.
	 * @param context the application's context, whose events it acts on
	 * @param refresher applies the clients' changed properties
	 */
	public EnvironmentChangeListener(ApplicationContext context, GrpcClientsRefresher refresher) {
		this.context = context;
		this.refresher = refresher;
	}

	@Override
	public void onApplicationEvent(EnvironmentChangeEvent event) {
		// As Spring Cloud's rebinder: this context's events (a child context's reach it too), and the keys-only form.
		if (this.context.equals(event.getSource()) || event.getKeys().equals(event.getSource())) {
			this.refresher.refresh();
		}
	}

}
