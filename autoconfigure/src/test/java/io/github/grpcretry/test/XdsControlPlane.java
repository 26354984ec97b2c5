package io.github.grpcretry.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * A real xDS control plane on loopback, Envoy's java-control-plane, for {@code xds:///<name>} channels: for each
 * name it serves an API listener (LDS) whose inline route sends every call to a cluster (CDS) whose endpoints (EDS)
 * are one backend on 127.0.0.1, the route with an Envoy retry policy when one is given.
 *
 * <p>grpc-java reads its xDS bootstrap once per JVM and keeps it (grpc-xds's {@code GrpcBootstrapperImpl} caches the
 * first one it reads), so the bootstrap must name a server that stays: one control plane serves the whole JVM, every
 * test class of the surefire run, started on first use and stopped when the JVM exits. Each test serves names of its
 * own ({@link #serve}), which never change once served, so that no test sees another's routes.
 */
public final class XdsControlPlane {

	/** The Java system property grpc-java reads the bootstrap's content from. */
	private static final String BOOTSTRAP_CONFIG_PROPERTY = "io.grpc.xds.bootstrapConfig";

	// What grpc-java would read before the system property above, which would leave it unread.
	private static final List<String> BOOTSTRAP_ENVIRONMENT = List.of("GRPC_XDS_BOOTSTRAP", "GRPC_XDS_BOOTSTRAP_CONFIG");

	private static final String BOOTSTRAP_FILE_PROPERTY = "io.grpc.xds.bootstrap";

	private static final String NODE_GROUP = "grpc-retry-tests";

	private static @Nullable XdsControlPlane shared;

	private static final AtomicInteger NAMES = new AtomicInteger();

	private final Server server;

	private final SimpleCache<String> cache = new SimpleCache<>((node) -> NODE_GROUP);

	// Guarded by this: every name served, which each new snapshot carries on.
	private final Map<String, Resources> served = new LinkedHashMap<>();

	private int version;

	private XdsControlPlane() {
		V3DiscoveryServer discovery = new V3DiscoveryServer(this.cache);
		this.server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
			.addService(discovery.getAggregatedDiscoveryServiceImpl())
			.build();
		try {
			this.server.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("The xDS control plane could not start", ex);
		}
	}

	/**
	 * The control plane of this JVM, started on first use, with grpc-java's bootstrap pointing at it.
	 * @return the control plane
	 * @throws IllegalStateException if the environment gives grpc-java a bootstrap of its own
	 */
	public static synchronized XdsControlPlane shared() {
		if (shared == null) {
			for (String variable : BOOTSTRAP_ENVIRONMENT) {
				if (System.getenv(variable) != null) {
					throw new IllegalStateException("The environment variable " + variable + " gives grpc-java an xDS"
							+ " bootstrap of its own, which it would read instead of the test control plane's");
				}
			}
			if (System.getProperty(BOOTSTRAP_FILE_PROPERTY) != null) {
				throw new IllegalStateException("The system property " + BOOTSTRAP_FILE_PROPERTY + " gives grpc-java"
						+ " an xDS bootstrap of its own, which it would read instead of the test control plane's");
			}
			XdsControlPlane controlPlane = new XdsControlPlane();
			System.setProperty(BOOTSTRAP_CONFIG_PROPERTY, controlPlane.bootstrap());
			Runtime.getRuntime().addShutdownHook(new Thread(controlPlane::stop, "xds-control-plane-stop"));
			shared = controlPlane;
		}
		return shared;
	}

	/**
	 * A name no other test of this JVM serves, for {@code xds:///<name>}.
	 * @param prefix what the name starts with, such as the test's
	 * @return the name
	 */
	public static String uniqueName(String prefix) {
		return prefix + "-" + NAMES.incrementAndGet();
	}

	/**
	 * Serves a name: {@code xds:///<name>} routes every call to the backend, retried as the route says.
	 * @param name the listener's name, the path of the target
	 * @param backendPort the port of the backend on 127.0.0.1
	 * @param retries the route's retry policy, or {@code null} for none
	 * @return the target, {@code xds:///<name>}
	 * @throws IllegalArgumentException if the name is served already
	 */
	public synchronized String serve(String name, int backendPort, @Nullable RouteRetries retries) {
		if (this.served.containsKey(name)) {
			throw new IllegalArgumentException("The name " + name + " is served already, to another test");
		}
		String cluster = "cluster-" + name;
		this.served.put(name, new Resources(listener(name, cluster, retries), cluster(cluster),
				endpoints(cluster, backendPort)));
		List<Listener> listeners = new ArrayList<>();
		List<Cluster> clusters = new ArrayList<>();
		List<ClusterLoadAssignment> endpoints = new ArrayList<>();
		this.served.values().forEach((resources) -> {
			listeners.add(resources.listener());
			clusters.add(resources.cluster());
			endpoints.add(resources.endpoints());
		});
		this.version++;
		this.cache.setSnapshot(NODE_GROUP,
				Snapshot.create(clusters, endpoints, listeners, List.of(), List.of(), String.valueOf(this.version)));
		return "xds:///" + name;
	}

	private String bootstrap() {
		return """
				{
				  "xds_servers": [
				    {
				      "server_uri": "127.0.0.1:%d",
				      "channel_creds": [ { "type": "insecure" } ],
				      "server_features": [ "xds_v3" ]
				    }
				  ],
				  "node": { "id": "%s", "cluster": "%s" }
				}
				""".formatted(this.server.getPort(), NODE_GROUP, NODE_GROUP);
	}

	private void stop() {
		this.server.shutdownNow();
		try {
			this.server.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static Listener listener(String name, String cluster, @Nullable RouteRetries retries) {
		RouteAction.Builder action = RouteAction.newBuilder().setCluster(cluster);
		if (retries != null) {
			action.setRetryPolicy(retries.toEnvoy());
		}
		RouteConfiguration routes = RouteConfiguration.newBuilder()
			.setName("route-" + name)
			.addVirtualHosts(VirtualHost.newBuilder()
				.setName("host-" + name)
				.addDomains("*")
				.addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("")).setRoute(action)))
			.build();
		HttpConnectionManager manager = HttpConnectionManager.newBuilder()
			.setRouteConfig(routes)
			.addHttpFilters(HttpFilter.newBuilder()
				.setName("envoy.filters.http.router")
				.setTypedConfig(Any.pack(Router.getDefaultInstance())))
			.build();
		return Listener.newBuilder()
			.setName(name)
			.setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(manager)))
			.build();
	}

	private static Cluster cluster(String name) {
		return Cluster.newBuilder()
			.setName(name)
			.setType(Cluster.DiscoveryType.EDS)
			.setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
				.setServiceName(name)
				.setEdsConfig(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())))
			.setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
			.build();
	}

	private static ClusterLoadAssignment endpoints(String cluster, int port) {
		Address address = Address.newBuilder()
			.setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port))
			.build();
		// grpc-java leaves out a locality without a weight.
		return ClusterLoadAssignment.newBuilder()
			.setClusterName(cluster)
			.addEndpoints(LocalityLbEndpoints.newBuilder()
				.setLocality(Locality.newBuilder().setRegion("loopback").setZone("loopback"))
				.setLoadBalancingWeight(UInt32Value.of(1))
				.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address))))
			.build();
	}

	/**
	 * An Envoy route's retry policy, as a control plane such as Traffic Director or Istio hands it to grpc-java:
	 * retry on {@code UNAVAILABLE}.
	 *
	 * @param numRetries how many retries after the first attempt
	 * @param backoff the base and largest backoff
	 */
	public record RouteRetries(int numRetries, Duration backoff) {

		RetryPolicy toEnvoy() {
			com.google.protobuf.Duration interval = com.google.protobuf.Duration.newBuilder()
				.setSeconds(this.backoff.getSeconds())
				.setNanos(this.backoff.getNano())
				.build();
			return RetryPolicy.newBuilder()
				.setRetryOn("unavailable")
				.setNumRetries(UInt32Value.of(this.numRetries))
				.setRetryBackOff(
						RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(interval).setMaxInterval(interval))
				.build();
		}

	}

	private record Resources(Listener listener, Cluster cluster, ClusterLoadAssignment endpoints) {
	}

}
