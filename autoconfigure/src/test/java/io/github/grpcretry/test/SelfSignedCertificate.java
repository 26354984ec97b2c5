package io.github.grpcretry.test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import org.jspecify.annotations.Nullable;

/**
 * A self-signed certificate for {@code 127.0.0.1}, made by the JDK's {@code keytool}: one for every test of a JVM,
 * since each run of {@code keytool} starts a JVM of its own.
 */
public record SelfSignedCertificate(Path keyStore, Path certificate) {

	private static final String PASSWORD = "changeit";

	private static @Nullable SelfSignedCertificate shared;

	/**
	 * The certificate of this JVM's tests, made on first use in a directory of its own, deleted on exit.
	 * @return the certificate
	 * @throws IOException if it cannot be written
	 * @throws InterruptedException if interrupted while {@code keytool} runs
	 */
	public static synchronized SelfSignedCertificate shared() throws IOException, InterruptedException {
		if (shared == null) {
			Path directory = Files.createTempDirectory("grpc-retry-tls");
			directory.toFile().deleteOnExit();
			shared = create(directory);
			shared.keyStore().toFile().deleteOnExit();
			shared.certificate().toFile().deleteOnExit();
		}
		return shared;
	}

	private static SelfSignedCertificate create(Path directory) throws IOException, InterruptedException {
		Path keyStore = directory.resolve("server.p12");
		Path certificate = directory.resolve("server.crt");
		keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
				"CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype",
				"PKCS12", "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
		Files.writeString(certificate, pem(keyStore), StandardCharsets.US_ASCII);
		return new SelfSignedCertificate(keyStore, certificate);
	}

	// The certificate as PEM, as keytool -exportcert -rfc writes it, without a second keytool.
	private static String pem(Path keyStore) throws IOException {
		try {
			byte[] encoded = load(keyStore).getCertificate("server").getEncoded();
			return "-----BEGIN CERTIFICATE-----\n"
					+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(encoded)
					+ "\n-----END CERTIFICATE-----\n";
		}
		catch (GeneralSecurityException ex) {
			throw new IOException(ex);
		}
	}

	private static void keytool(String... arguments) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes());
		if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
			throw new IllegalStateException("keytool failed: " + output);
		}
	}

	private static KeyStore load(Path keyStore) throws IOException {
		try (InputStream in = Files.newInputStream(keyStore)) {
			KeyStore store = KeyStore.getInstance("PKCS12");
			store.load(in, PASSWORD.toCharArray());
			return store;
		}
		catch (GeneralSecurityException ex) {
			throw new IOException(ex);
		}
	}

	public ServerCredentials serverCredentials() throws Exception {
		KeyStore store = load(this.keyStore);
		KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		keyManagers.init(store, PASSWORD.toCharArray());
		return TlsServerCredentials.newBuilder().keyManager(keyManagers.getKeyManagers()).build();
	}

}
