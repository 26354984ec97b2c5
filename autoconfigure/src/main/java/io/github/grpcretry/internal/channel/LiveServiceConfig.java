package io.github.grpcretry.internal.channel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.jspecify.annotations.Nullable;

/**
 * The service config of one client's channel, which may change while the channel runs. grpc-java takes a changed
 * service config only from the channel's name resolver (grpc-java issues 10424 and 5189), and each call uses the
 * config the channel holds when the call starts; {@link LiveServiceConfigResolverProvider} wraps the target's own
 * resolver and hands grpc-java the newest config with each result, and a new result whenever {@link #set} changes it.
 *
 * <p>A config is <em>taken</em> only when grpc-java accepted a result carrying it: a running resolver's result with
 * addresses, which the channel answered with OK. grpc-java ignores a result with an error or no addresses, and one of a
 * resolver it shut down (idle); until a result is accepted, the newest config is pending, and it is taken with the
 * next good result.
 *
 * <p>Nothing here is on a call's path: a call reads the config grpc-java already holds. Nothing here waits or calls
 * out while holding its lock.
 */
public final class LiveServiceConfig {

	// Guards the waiters, and orders the versions: current and taken are written under it, and read without it.
	private final Object lock = new Object();

	// The newest version: what every result hands grpc-java from now on.
	private volatile Version current;

	// The newest version grpc-java accepted a result with; written in a channel's synchronization context.
	private volatile Version taken;

	// Whether grpc-java's last accepted result carried the target resolver's own config, which won over this one.
	private volatile boolean resolverSupplied;

	// What waits for a version to be taken.
	@GuardedBy("lock")
	private final List<Waiter> waiters = new ArrayList<>();

	// The resolvers now running for the channel: one, or none while the channel is idle (grpc-java shuts its
	// resolver down on idle and starts a new one when the channel leaves idle).
	private final Set<Runnable> publishers = new CopyOnWriteArraySet<>();

	// Null until a channel is built: one built later starts with the config in effect then.
	private volatile @Nullable Runnable wake;

	/**
	 * Creates the holder with the config the channel starts with, which counts as taken: the channel is built with it
	 * as its default service config.
	 * @param serviceConfig the service config, as grpc-java's {@code defaultServiceConfig} takes it
	 */
	public LiveServiceConfig(Map<String, ?> serviceConfig) {
		this(serviceConfig, false);
	}

	/**
	 * Creates the holder with the config the channel starts with, which counts as taken.
	 * @param serviceConfig the service config, as grpc-java's {@code defaultServiceConfig} takes it
	 * @param forced whether it wins over a config of the target's own resolver ({@code retries: off})
	 */
	LiveServiceConfig(Map<String, ?> serviceConfig, boolean forced) {
		this.current = new Version(Map.copyOf(serviceConfig), 0, forced);
		this.taken = this.current;
	}

	/**
	 * The newest service config: the one the channel holds once it is taken.
	 * @return the config, as grpc-java's {@code defaultServiceConfig} takes it
	 */
	public Map<String, ?> get() {
		return this.current.serviceConfig();
	}

	/**
	 * Whether the newest config waits for grpc-java to accept a result carrying it.
	 * @return whether it is pending
	 */
	public boolean pending() {
		return this.taken.number() < this.current.number();
	}

	/**
	 * Whether grpc-java's last accepted result carried a service config of the target's own resolver, which wins
	 * over this one ({@code service-config-lookup: true}, or a resolver whose config always wins, such as xDS).
	 * @return whether the target's resolver supplies the config in effect
	 */
	public boolean resolverSupplied() {
		return this.resolverSupplied;
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
	 * with its next good resolution
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean set(Map<String, ?> serviceConfig, Duration timeout) throws InterruptedException {
		Version version = update(serviceConfig, false);
		publish();
		return awaitTaken(version, System.nanoTime() + timeout.toNanos());
	}

	/**
	 * Makes a service config the newest, without handing it to the channel yet ({@link #publish()}); a forced one wins
	 * over a config that the target's own resolver publishes, even where that one otherwise wins
	 * ({@code service-config-lookup: true}).
	 * @param serviceConfig the new service config, validated by the caller
	 * @param forced whether it wins over the target resolver's
	 * @return its version
	 */
	Version update(Map<String, ?> serviceConfig, boolean forced) {
		synchronized (this.lock) {
			Version version = new Version(Map.copyOf(serviceConfig), this.current.number() + 1, forced);
			this.current = version;
			if (this.wake == null) {
				// No channel yet: the one built later is built with it.
				this.taken = version;
			}
			return version;
		}
	}

	/**
	 * Hands the newest config to the channel: each running resolver publishes its last good result again with it, or
	 * asks the target's resolver to resolve again when it has none; an idle channel is woken, and its new resolver
	 * hands it over. Called without any lock held: grpc-java may run the channel's work on this thread.
	 */
	void publish() {
		if (this.publishers.isEmpty()) {
			Runnable wake = this.wake;
			if (wake != null) {
				wake.run();
			}
		}
		for (Runnable publisher : this.publishers) {
			publisher.run();
		}
	}

	/**
	 * Waits until grpc-java has taken a version, or a newer one.
	 * @param version the version
	 * @param deadlineNanos until when, by {@link System#nanoTime()}
	 * @return whether it was taken by then
	 * @throws InterruptedException if interrupted while waiting
	 */
	boolean awaitTaken(Version version, long deadlineNanos) throws InterruptedException {
		try {
			whenTaken(version).get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
			return true;
		}
		catch (TimeoutException ex) {
			return false;
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException(ex.getCause());
		}
	}

	/**
	 * Completes once grpc-java has taken a version, or a newer one. It completes in the channel's synchronization
	 * context: what depends on it runs elsewhere ({@code thenRunAsync}).
	 * @param version the version
	 * @return the future
	 */
	CompletableFuture<Void> whenTaken(Version version) {
		synchronized (this.lock) {
			if (this.taken.number() >= version.number()) {
				return CompletableFuture.completedFuture(null);
			}
			CompletableFuture<Void> future = new CompletableFuture<>();
			this.waiters.add(new Waiter(version.number(), future));
			return future;
		}
	}

	Version current() {
		return this.current;
	}

	/**
	 * The version grpc-java last accepted a result with: its config is the one calls starting now use (unless the
	 * target's resolver supplied its own, {@link #resolverSupplied()}).
	 * @return the version
	 */
	Version takenVersion() {
		return this.taken;
	}

	/**
	 * Notes that grpc-java accepted a result carrying a version; called in the channel's synchronization context.
	 * @param version the version handed over
	 * @param fromResolver whether the result carried the target resolver's own config, which won over it
	 */
	void taken(Version version, boolean fromResolver) {
		List<CompletableFuture<Void>> done = new ArrayList<>();
		synchronized (this.lock) {
			this.resolverSupplied = fromResolver;
			if (version.number() <= this.taken.number()) {
				return;
			}
			this.taken = version;
			for (Iterator<Waiter> waiting = this.waiters.iterator(); waiting.hasNext();) {
				Waiter waiter = waiting.next();
				if (waiter.number() <= version.number()) {
					done.add(waiter.future());
					waiting.remove();
				}
			}
		}
		done.forEach((future) -> future.complete(null));
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

	private record Waiter(long number, CompletableFuture<Void> future) {
	}

}
