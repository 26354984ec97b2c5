package io.github.grpcretry.channel;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * The service config in effect for one client's channel, which may change while the channel runs. grpc-java takes a
 * changed service config only from the channel's name resolver (grpc-java issues 10424 and 5189), and each call uses
 * the config the channel holds when the call starts; {@link LiveServiceConfigResolverProvider} wraps the target's own
 * resolver and hands grpc-java this config with each result, and a new result whenever {@link #set} changes it.
 *
 * <p>Nothing here is on a call's path: a call reads the config grpc-java already holds.
 */
public final class LiveServiceConfig {

	private volatile Version current;

	// The resolvers now running for the channel: one, or none while the channel is idle (grpc-java shuts its
	// resolver down on idle and starts a new one when the channel leaves idle).
	private final Set<Runnable> publishers = new CopyOnWriteArraySet<>();

	// Null until a channel is built: one built later starts with the config in effect then.
	private volatile @Nullable Runnable wake;

	// Guarded by this: the newest version a resolver has handed to grpc-java.
	private long published;

	/**
	 * Creates the holder with the config the channel starts with.
	 * @param serviceConfig the service config, as grpc-java's {@code defaultServiceConfig} takes it
	 */
	public LiveServiceConfig(Map<String, ?> serviceConfig) {
		this.current = new Version(Map.copyOf(serviceConfig), 0, false);
	}

	/**
	 * The service config in effect.
	 * @return the config, as grpc-java's {@code defaultServiceConfig} takes it
	 */
	public Map<String, ?> get() {
		return this.current.serviceConfig();
	}

	/**
	 * Says how to make the idle channel start resolving again, which is how it takes a config changed while it was
	 * idle: grpc-java keeps the config it had when it went idle for the calls that wake it.
	 * @param wake asks the channel to leave idle, as {@code channel.getState(true)} does
	 */
	public void wakeWith(Runnable wake) {
		this.wake = wake;
	}

	/**
	 * Puts a new service config in effect and waits until the channel holds it: calls started after this returns
	 * {@code true} use it; calls in flight keep theirs. The caller has validated it.
	 * @param serviceConfig the new service config
	 * @param timeout how long to wait for the channel to take it
	 * @return whether the channel took it in time (or none was built yet: it is built with it); if not, it takes it
	 * with its next resolution
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean set(Map<String, ?> serviceConfig, Duration timeout) throws InterruptedException {
		return set(serviceConfig, false, timeout);
	}

	/**
	 * Puts a new service config in effect, as {@link #set(Map, Duration)} does; a forced one wins over a config that
	 * the target's own resolver publishes, even where that one otherwise wins ({@code service-config-lookup: true}).
	 * @param serviceConfig the new service config
	 * @param forced whether it wins over the target resolver's
	 * @param timeout how long to wait for the channel to take it
	 * @return whether the channel took it in time (or none was built yet: it is built with it); if not, it takes it
	 * with its next resolution
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean set(Map<String, ?> serviceConfig, boolean forced, Duration timeout) throws InterruptedException {
		Version version;
		synchronized (this) {
			version = new Version(Map.copyOf(serviceConfig), this.current.number() + 1, forced);
			this.current = version;
		}
		if (this.publishers.isEmpty()) {
			Runnable wake = this.wake;
			if (wake == null) {
				return true;
			}
			wake.run();
		}
		for (Runnable publisher : this.publishers) {
			publisher.run();
		}
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this) {
			while (this.published < version.number()) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					return false;
				}
				TimeUnit.NANOSECONDS.timedWait(this, left);
			}
		}
		return true;
	}

	Version current() {
		return this.current;
	}

	synchronized void published(Version version) {
		if (version.number() > this.published) {
			this.published = version.number();
			notifyAll();
		}
	}

	void started(Runnable publisher) {
		this.publishers.add(publisher);
	}

	void stopped(Runnable publisher) {
		this.publishers.remove(publisher);
	}

	/**
	 * A service config and its number: 0 for the one the channel started with, one more for each change.
	 *
	 * @param serviceConfig the config
	 * @param number its number
	 * @param forced whether it wins over a config of the target's own resolver
	 */
	record Version(Map<String, ?> serviceConfig, long number, boolean forced) {
	}

}
