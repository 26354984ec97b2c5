package io.github.grpcretry.fleet;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * A RabbitMQ broker of its own, Debian's {@code rabbitmq-server}, run by the test on loopback: its own free ports
 * (AMQP, Erlang distribution and an epmd of its own, so that no broker or epmd already on the machine is touched),
 * node name, Erlang cookie, data and logs, all in a temporary directory that closing it removes.
 */
final class RabbitMqServer implements AutoCloseable {

	/** The broker's own script, which runs as the caller: {@code /usr/sbin}'s switches to the rabbitmq user. */
	private static final Path SERVER = Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server");

	private final Path directory;

	private final int port;

	private final Process epmd;

	private Process server;

	private RabbitMqServer(Path directory, int port, Process epmd) {
		this.directory = directory;
		this.port = port;
		this.epmd = epmd;
	}

	/**
	 * Starts a broker and waits until it accepts AMQP connections.
	 * @return the running broker
	 * @throws IOException if its files cannot be written or a process cannot start
	 */
	static RabbitMqServer start() throws IOException {
		if (!Files.isExecutable(SERVER)) {
			fail(SERVER + " is missing. The fleet's RabbitMQ tests run a real broker: install Debian's "
					+ "rabbitmq-server package with 'sudo apt-get install rabbitmq-server' (.ci/run does it)");
		}
		Path directory = Files.createTempDirectory("rabbitmq");
		int epmdPort = freePort();
		Process epmd = new ProcessBuilder(onPath("epmd").toString(), "-port", Integer.toString(epmdPort), "-address",
				"127.0.0.1")
			.redirectErrorStream(true)
			.redirectOutput(directory.resolve("epmd.out").toFile())
			.start();
		RabbitMqServer rabbitMq = new RabbitMqServer(directory, freePort(), epmd);
		try {
			rabbitMq.startServer(epmdPort);
			return rabbitMq;
		}
		catch (RuntimeException | IOException ex) {
			rabbitMq.close();
			throw ex;
		}
	}

	private void startServer(int epmdPort) throws IOException {
		Files.writeString(this.directory.resolve("enabled_plugins"), "[].");
		Files.writeString(this.directory.resolve("rabbitmq-env.conf"), "");
		ProcessBuilder builder = new ProcessBuilder(SERVER.toString()).directory(this.directory.toFile())
			.redirectErrorStream(true)
			.redirectOutput(this.directory.resolve("server.out").toFile());
		Map<String, String> environment = builder.environment();
		// The Erlang cookie is written to, and read from, $HOME
		environment.put("HOME", this.directory.toString());
		environment.put("ERL_EPMD_PORT", Integer.toString(epmdPort));
		environment.put("ERL_EPMD_ADDRESS", "127.0.0.1");
		environment.put("RABBITMQ_NODENAME", "fleet-tests@localhost");
		environment.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
		environment.put("RABBITMQ_NODE_PORT", Integer.toString(this.port));
		environment.put("RABBITMQ_DIST_PORT", Integer.toString(freePort()));
		environment.put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}");
		environment.put("RABBITMQ_MNESIA_BASE", this.directory.resolve("mnesia").toString());
		environment.put("RABBITMQ_LOG_BASE", this.directory.resolve("log").toString());
		environment.put("RABBITMQ_PID_FILE", this.directory.resolve("rabbitmq.pid").toString());
		environment.put("RABBITMQ_PLUGINS_EXPAND_DIR", this.directory.resolve("plugins-expand").toString());
		environment.put("RABBITMQ_ENABLED_PLUGINS_FILE", this.directory.resolve("enabled_plugins").toString());
		// None of the machine's configuration: files that do not exist mean the defaults
		environment.put("RABBITMQ_CONF_ENV_FILE", this.directory.resolve("rabbitmq-env.conf").toString());
		environment.put("RABBITMQ_CONFIG_FILE", this.directory.resolve("rabbitmq").toString());
		environment.put("RABBITMQ_ADVANCED_CONFIG_FILE", this.directory.resolve("advanced.config").toString());
		this.server = builder.start();
		await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(this::acceptsConnections);
	}

	private boolean acceptsConnections() throws IOException {
		assertThat(this.server.isAlive()).as("rabbitmq-server is running; its output:%n%s", output()).isTrue();
		ConnectionFactory factory = new ConnectionFactory();
		factory.setHost("127.0.0.1");
		factory.setPort(this.port);
		try (Connection connection = factory.newConnection()) {
			return connection.isOpen();
		}
		catch (IOException | java.util.concurrent.TimeoutException ex) {
			return false;
		}
	}

	private String output() throws IOException {
		return Files.readString(this.directory.resolve("server.out"));
	}

	/**
	 * The broker's AMQP port, on {@code 127.0.0.1}.
	 * @return the port
	 */
	int port() {
		return this.port;
	}

	@Override
	public void close() {
		try {
			if (this.server != null) {
				// The script stops the broker gracefully on SIGTERM, as rabbitmqctl stop would
				List<ProcessHandle> descendants = this.server.descendants().toList();
				this.server.destroy();
				if (!this.server.waitFor(60, TimeUnit.SECONDS)) {
					this.server.destroyForcibly();
				}
				descendants.forEach(ProcessHandle::destroyForcibly);
			}
			this.epmd.destroy();
			this.epmd.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			FileSystemUtils.deleteRecursively(this.directory.toFile());
		}
	}

	private static Path onPath(String name) {
		String path = System.getenv("PATH");
		for (String directory : (path != null) ? path.split(File.pathSeparator) : new String[0]) {
			Path candidate = Path.of(directory, name);
			if (Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		return fail("'" + name + "' is not on the PATH: Debian's rabbitmq-server package brings it (erlang-base)");
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
