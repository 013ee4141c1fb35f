package io.github.microspring.test.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import io.github.microspring.test.FreePorts;
import io.github.microspring.test.ServerBinaries;
import io.github.microspring.test.ServerProcess;

/**
 * One real etcd member on free loopback ports with a temporary data dir. Alone it is a single-member
 * cluster; {@link EtcdCluster} runs several.
 */
public final class EtcdServer extends ServerProcess {

	private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

	private final HttpClient http;

	private final String name;

	private final int clientPort;

	private final int peerPort;

	private final String initialCluster;

	private final Path home;

	private final Path dataDir;

	private final Path log;

	private final EtcdTls tls;

	EtcdServer(String name, int clientPort, int peerPort, String initialCluster, Path home) {
		this(name, clientPort, peerPort, initialCluster, home, null);
	}

	private EtcdServer(String name, int clientPort, int peerPort, String initialCluster, Path home, EtcdTls tls) {
		super("etcd " + name, Duration.ofSeconds(5));
		this.tls = tls;
		HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
		if (tls != null) {
			http.sslContext(tls.clientSslContext());
		}
		this.http = http.build();
		this.name = name;
		this.clientPort = clientPort;
		this.peerPort = peerPort;
		this.initialCluster = initialCluster;
		this.home = home;
		this.dataDir = home.resolve(name + ".data");
		this.log = home.resolve(name + ".log");
	}

	/**
	 * Starts a single-member etcd and waits until it serves.
	 * @return the running server
	 */
	public static EtcdServer start() {
		int[] ports = FreePorts.take(2);
		EtcdServer server = new EtcdServer("etcd0", ports[0], ports[1], "etcd0=http://127.0.0.1:" + ports[1],
				tempDir());
		server.launch();
		server.awaitReady();
		return server;
	}

	/**
	 * Starts a single-member etcd that serves clients over TLS only ({@code https://127.0.0.1:port}) and
	 * requires a client certificate signed by the given authority; {@link #post}, {@link #put} and
	 * {@link #get} present the client certificate of {@code tls}.
	 * @param tls the authority and certificates, such as {@link EtcdTls#generate()}
	 * @return the running server
	 */
	public static EtcdServer startWithTls(EtcdTls tls) {
		int[] ports = FreePorts.take(2);
		EtcdServer server = new EtcdServer("etcd0", ports[0], ports[1], "etcd0=http://127.0.0.1:" + ports[1],
				tempDir(), tls);
		server.launch();
		server.awaitReady();
		return server;
	}

	/**
	 * Starts a single-member etcd with authentication on: user {@code root} with the given password.
	 * @param rootPassword the password of {@code root}
	 * @return the running server
	 */
	public static EtcdServer startWithAuth(String rootPassword) {
		EtcdServer server = start();
		try {
			server.post("/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"" + rootPassword + "\"}", null);
			server.post("/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}", null);
			server.post("/v3/auth/enable", "{}", null);
			return server;
		}
		catch (RuntimeException ex) {
			server.close();
			throw ex;
		}
	}

	public String endpoint() {
		return ((this.tls != null) ? "https" : "http") + "://127.0.0.1:" + this.clientPort;
	}

	public int clientPort() {
		return this.clientPort;
	}

	/**
	 * Starts again on the same ports with the same data, and waits until it serves.
	 */
	@Override
	protected void startProcess() {
		launch();
		awaitReady();
	}

	/**
	 * Starts again on the same ports with an empty data dir: an etcd that lost everything.
	 */
	public synchronized void restartEmpty() {
		if (isRunning()) {
			stop();
		}
		delete(this.dataDir);
		launch();
		awaitReady();
	}

	@Override
	public synchronized void close() {
		stop();
		delete(this.home);
	}

	synchronized void launch() {
		List<String> command = new ArrayList<>(List.of(ServerBinaries.require("etcd", "etcd-server").toString(),
				"--name", this.name, "--data-dir", this.dataDir.toString(), "--listen-client-urls", endpoint(),
				"--advertise-client-urls", endpoint(), "--listen-peer-urls", peerUrl(),
				"--initial-advertise-peer-urls", peerUrl(), "--initial-cluster", this.initialCluster,
				"--initial-cluster-state", "new", "--initial-cluster-token", this.home.getFileName().toString(),
				"--heartbeat-interval", "50", "--election-timeout", "500", "--logger", "zap"));
		if (this.tls != null) {
			command.addAll(List.of("--client-cert-auth", "--trusted-ca-file", this.tls.caCertificate().toString(),
					"--cert-file", this.tls.serverCertificate().toString(), "--key-file",
					this.tls.serverKey().toString()));
		}
		try {
			track(new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.log.toFile()))
				.start());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start etcd", ex);
		}
	}

	void awaitReady() {
		try {
			Awaitility.await("etcd " + this.name + " ready")
				.atMost(READY_TIMEOUT)
				.pollInterval(Duration.ofMillis(50))
				.until(this::serves);
		}
		catch (ConditionTimeoutException ex) {
			throw new IllegalStateException("etcd not ready within " + READY_TIMEOUT.toSeconds() + " s:\n"
					+ ServerBinaries.tail(this.log), ex);
		}
	}

	private boolean serves() throws InterruptedException {
		if (!process().isAlive()) {
			throw new IllegalStateException("etcd exited with " + process().exitValue() + ":\n"
					+ ServerBinaries.tail(this.log));
		}
		try {
			HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/health"))
				.timeout(Duration.ofSeconds(1))
				.build(), HttpResponse.BodyHandlers.ofString());
			return response.body().contains("\"health\":\"true\"");
		}
		catch (IOException ex) {
			return false;
		}
	}

	/**
	 * Calls etcd's JSON gateway.
	 * @param path such as {@code /v3/kv/put}
	 * @param body the JSON request
	 * @param token an auth token, or null
	 * @return the JSON answer
	 */
	public String post(String path, String body, String token) {
		try {
			HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint() + path))
				.timeout(Duration.ofSeconds(5))
				.POST(HttpRequest.BodyPublishers.ofString(body));
			if (token != null) {
				request.header("Authorization", token);
			}
			HttpResponse<String> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() != 200) {
				throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
			}
			return response.body();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(path + " failed", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Writes a key through the JSON gateway, for tests that need no client library.
	 * @param key the key
	 * @param value the value
	 */
	public void put(String key, String value) {
		post("/v3/kv/put", "{\"key\":\"" + base64(key) + "\",\"value\":\"" + base64(value) + "\"}", null);
	}

	/**
	 * Reads a key through the JSON gateway.
	 * @param key the key
	 * @return the value, or null when absent
	 */
	public String get(String key) {
		Matcher value = Pattern.compile("\"value\":\"([^\"]*)\"")
			.matcher(post("/v3/kv/range", "{\"key\":\"" + base64(key) + "\"}", null));
		return value.find() ? new String(Base64.getDecoder().decode(value.group(1)), StandardCharsets.UTF_8) : null;
	}

	String memberId() {
		return field(post("/v3/maintenance/status", "{}", null), "member_id");
	}

	String leaderId() {
		return field(post("/v3/maintenance/status", "{}", null), "leader");
	}

	private static String field(String json, String name) {
		Matcher matcher = Pattern.compile("\"" + name + "\":\"?(\\d+)").matcher(json);
		if (!matcher.find()) {
			throw new IllegalStateException("No " + name + " in " + json);
		}
		return matcher.group(1);
	}

	private String peerUrl() {
		return "http://127.0.0.1:" + this.peerPort;
	}

	int peerPort() {
		return this.peerPort;
	}

	static Path tempDir() {
		try {
			return Files.createTempDirectory("etcd-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static void delete(Path dir) {
		if (!Files.exists(dir)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(dir)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			// a temp dir left behind is harmless
		}
	}

	private static String base64(String value) {
		return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
	}

	@Override
	public String toString() {
		return "etcd " + this.name + " at " + endpoint();
	}

}
