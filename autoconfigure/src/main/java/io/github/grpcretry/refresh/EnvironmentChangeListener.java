package io.github.grpcretry.refresh;

import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationListener;

/**
 * Hands the keys of Spring Cloud's {@code EnvironmentChangeEvent} to the {@link GrpcClientsRefresher}: what
 * {@code /actuator/refresh}, Spring Cloud Config and Kubernetes ConfigMap reloads publish. Only loaded when Spring
 * Cloud Context is on the class path.
 */
public final class EnvironmentChangeListener implements ApplicationListener<EnvironmentChangeEvent> {

	private final GrpcClientsRefresher refresher;

	/**
	 * Creates the listener.
	 * @param refresher applies the clients' changed properties
	 */
	public EnvironmentChangeListener(GrpcClientsRefresher refresher) {
		this.refresher = refresher;
	}

	@Override
	public void onApplicationEvent(EnvironmentChangeEvent event) {
		try {
			this.refresher.refresh(event.getKeys());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
