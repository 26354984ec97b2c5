package io.github.grpcretry.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What each configured client adds to an application's start-up: the time to start and close a context with the
 * starter's auto-configuration, a {@code SimpleMeterRegistry} and {@code clients} clients, each with a retry policy
 * and pointing at a closed port (channels connect lazily, so nothing is dialled). The cost of one client is
 * {@code (t(100) - t(1)) / 99}; {@code clients=0} is the context alone.
 *
 * <p>Binding and building a client gets faster as the JIT compiles it, so that a run with more clients would also be
 * a run with warmer code. Each trial therefore first starts {@code warmupContexts} contexts of 100 clients, the same
 * for every client count. {@code -p warmupContexts=0 -wi 0 -i 1 -f 20} measures instead what an application sees:
 * the first start in a fresh JVM.
 *
 * <p>{@code startAndCloseChecked} and {@code startAndCloseUnchecked} start the same clients with
 * {@code check-method-names} set to {@code true} and to {@code false}, one property more than {@code startAndClose}
 * for both: their difference is the cost of checking the method-config names against the generated gRPC services on
 * the class path, whose scan runs once per class loader, so that only a cold start pays it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 20)
@Measurement(iterations = 30)
@Fork(3)
public class StartupBenchmark {

	@Param({ "0", "1", "10", "100" })
	public int clients;

	@Param({ "30" })
	public int warmupContexts;

	private Map<String, Object> properties;

	private Map<String, Object> checked;

	private Map<String, Object> unchecked;

	@Setup(Level.Trial)
	public void configure() {
		String address = "127.0.0.1:" + closedPort();
		Map<String, Object> warmup = clients(100, address, null);
		for (int i = 0; i < this.warmupContexts; i++) {
			StarterChannels.start(warmup, new SimpleMeterRegistry(), false).close();
		}
		this.properties = clients(this.clients, address, null);
		this.checked = clients(this.clients, address, true);
		this.unchecked = clients(this.clients, address, false);
	}

	// After the runs, so that with warmupContexts=0 the first measured start is the JVM's first.
	@TearDown(Level.Trial)
	public void checkChannelsWereBuilt() {
		try (StarterChannels context = StarterChannels.start(this.properties, new SimpleMeterRegistry(), false)) {
			if (context.channelCount() != this.clients) {
				throw new IllegalStateException(
						"Expected " + this.clients + " channels but the context built " + context.channelCount());
			}
		}
	}

	@Benchmark
	public void startAndClose() {
		StarterChannels.start(this.properties, new SimpleMeterRegistry(), false).close();
	}

	@Benchmark
	public void startAndCloseChecked() {
		StarterChannels.start(this.checked, new SimpleMeterRegistry(), false).close();
	}

	@Benchmark
	public void startAndCloseUnchecked() {
		StarterChannels.start(this.unchecked, new SimpleMeterRegistry(), false).close();
	}

	// checkMethodNames null leaves the property out, as most applications do.
	private static Map<String, Object> clients(int count, String address, @Nullable Boolean checkMethodNames) {
		Map<String, Object> properties = new LinkedHashMap<>();
		for (int i = 0; i < count; i++) {
			properties.putAll(StarterChannels.clientWithRetryPolicy("client" + i, address));
			if (checkMethodNames != null) {
				properties.put("grpc.clients.client" + i + ".check-method-names", checkMethodNames.toString());
			}
		}
		return properties;
	}

	private static int closedPort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
