package io.github.grpcretry.test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy in front of an {@link EchoTestServer} that refuses the first stream of its first connection
 * the way an HTTP/2 server going away does: it answers the stream's HEADERS with a GOAWAY whose last stream id is 0,
 * so the client knows the stream never reached the server's application and retries it transparently. Every later
 * connection is piped to the server unchanged.
 */
public final class RefuseFirstStreamProxy implements AutoCloseable {

	private static final int CLIENT_PREFACE_LENGTH = 24;

	private static final int HEADERS = 0x1;

	private static final int SETTINGS = 0x4;

	private static final int GOAWAY = 0x7;

	private static final int ACK = 0x1;

	private final ServerSocket listener;

	private final int targetPort;

	private final ExecutorService threads = Executors.newCachedThreadPool();

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	private final AtomicInteger refusedStreams = new AtomicInteger();

	private RefuseFirstStreamProxy(int targetPort) throws IOException {
		this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.targetPort = targetPort;
		this.threads.execute(this::accept);
	}

	/**
	 * Starts a proxy in front of a loopback server.
	 * @param server the server
	 * @return the started proxy
	 */
	public static RefuseFirstStreamProxy to(EchoTestServer server) {
		try {
			return new RefuseFirstStreamProxy(server.port());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * The proxy's address, as a client's {@code address}.
	 * @return {@code 127.0.0.1:<port>}
	 */
	public String address() {
		return "127.0.0.1:" + this.listener.getLocalPort();
	}

	/**
	 * How many streams the proxy refused.
	 * @return 1 once the first stream arrived, else 0
	 */
	public int refusedStreams() {
		return this.refusedStreams.get();
	}

	@Override
	public void close() throws IOException {
		this.listener.close();
		for (Socket socket : this.sockets) {
			socket.close();
		}
		this.threads.shutdownNow();
	}

	private void accept() {
		boolean first = true;
		while (!this.listener.isClosed()) {
			try {
				Socket client = this.listener.accept();
				this.sockets.add(client);
				this.threads.execute(first ? () -> refuseFirstStream(client) : () -> pipe(client));
				first = false;
			}
			catch (IOException ex) {
				// Closed.
			}
		}
	}

	private void refuseFirstStream(Socket client) {
		try (client) {
			DataInputStream in = new DataInputStream(client.getInputStream());
			OutputStream out = client.getOutputStream();
			in.readFully(new byte[CLIENT_PREFACE_LENGTH]);
			out.write(frame(SETTINGS, 0, new byte[0]));
			while (true) {
				int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
				int type = in.readUnsignedByte();
				int flags = in.readUnsignedByte();
				in.readInt(); // stream id
				in.readFully(new byte[length]);
				if (type == SETTINGS && (flags & ACK) == 0) {
					out.write(frame(SETTINGS, ACK, new byte[0]));
				}
				if (type == HEADERS) {
					this.refusedStreams.incrementAndGet();
					// Last stream id 0 and NO_ERROR: no stream was processed, so all of them may be retried.
					out.write(frame(GOAWAY, 0, ByteBuffer.allocate(8).putInt(0).putInt(0).array()));
					break;
				}
			}
			// Then closes the connection as a server does once no stream is left, which lets the client's
			// transport terminate.
			client.shutdownOutput();
			in.transferTo(OutputStream.nullOutputStream());
		}
		catch (IOException ex) {
			// The client went away.
		}
	}

	private void pipe(Socket client) {
		try {
			Socket server = new Socket(InetAddress.getLoopbackAddress(), this.targetPort);
			this.sockets.add(server);
			this.threads.execute(() -> copy(server, client));
			copy(client, server);
		}
		catch (IOException ex) {
			// Closed.
		}
	}

	private static void copy(Socket from, Socket to) {
		// When either side closes, both sockets are closed, which also ends the copy the other way.
		try (from; to) {
			from.getInputStream().transferTo(to.getOutputStream());
		}
		catch (IOException ex) {
			// Closed by the copy the other way.
		}
	}

	private static byte[] frame(int type, int flags, byte[] payload) {
		return ByteBuffer.allocate(9 + payload.length)
			.put((byte) (payload.length >>> 16))
			.putShort((short) payload.length)
			.put((byte) type)
			.put((byte) flags)
			.putInt(0)
			.put(payload)
			.array();
	}

}
