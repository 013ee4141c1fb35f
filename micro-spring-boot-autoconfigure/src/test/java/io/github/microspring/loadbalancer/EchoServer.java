package io.github.microspring.loadbalancer;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;

import io.github.microspring.test.ServerProcesses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An HTTP server that answers every request with its node id, registered in etcd the way a go-micro
 * service registers: its JSON under a lease kept alive. Run as a separate process so a test can SIGKILL it.
 * Arguments: etcd endpoint, service, node id, port, lease TTL in seconds, and optionally the version and
 * node metadata as {@code key=value} pairs separated by commas.
 */
public final class EchoServer {

	private EchoServer() {
	}

	public static void main(String[] args) throws Exception {
		String endpoint = args[0];
		String service = args[1];
		String id = args[2];
		int port = Integer.parseInt(args[3]);
		long ttl = Long.parseLong(args[4]);
		String version = (args.length > 5) ? args[5] : "1.0.0";
		Map<String, String> metadata = new LinkedHashMap<>();
		if (args.length > 6 && !args[6].isEmpty()) {
			for (String pair : args[6].split(",")) {
				String[] keyValue = pair.split("=", 2);
				metadata.put(keyValue[0], keyValue[1]);
			}
		}
		start(id, port);
		Client client = Client.builder().endpoints(endpoint).build();
		long lease = client.getLeaseClient().grant(ttl).get(5, TimeUnit.SECONDS).getID();
		CloseableClient keepAlive = client.getLeaseClient().keepAlive(lease, new StreamObserver<>() {

			@Override
			public void onNext(io.etcd.jetcd.lease.LeaseKeepAliveResponse value) {
			}

			@Override
			public void onError(Throwable t) {
			}

			@Override
			public void onCompleted() {
			}

		});
		register(client, service, id, port, lease, version, metadata);
		System.out.println("READY");
		System.out.flush();
		new CountDownLatch(1).await();
		keepAlive.close();
	}

	/**
	 * Starts the server as a separate JVM and waits until it is registered.
	 * @param metadata node metadata as {@code key=value} pairs separated by commas, or empty
	 */
	static Process launch(String endpoint, String service, String id, int port, Path logs, String version,
			String metadata) throws Exception {
		File log = logs.resolve(id + ".log").toFile();
		Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx64m", "-XX:TieredStopAtLevel=1", "-Dsun.net.httpserver.nodelay=true", "-cp",
				System.getProperty("java.class.path"), EchoServer.class.getName(), endpoint, service, id,
				String.valueOf(port), "10", version, metadata)
			.redirectErrorStream(true)
			.redirectOutput(log)
			.start();
		ServerProcesses.track(process);
		await().atMost(Duration.ofSeconds(30))
			.until(() -> Files.readString(log.toPath()).contains("READY") || !process.isAlive());
		assertThat(process.isAlive()).as(() -> readQuietly(log)).isTrue();
		return process;
	}

	private static String readQuietly(File log) {
		try {
			return Files.readString(log.toPath());
		}
		catch (IOException ex) {
			return ex.toString();
		}
	}

	static HttpServer start(String id, int port) throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 100);
		byte[] body = id.getBytes(StandardCharsets.UTF_8);
		server.createContext("/", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		// handlers run on the server's own thread, which stop() ends; the tests send one request at a time
		server.setExecutor(null);
		server.start();
		return server;
	}

	static void register(Client client, String service, String id, int port, long lease) throws Exception {
		register(client, service, id, port, lease, "1.0.0", Map.of());
	}

	static void register(Client client, String service, String id, int port, long lease, String version,
			Map<String, String> metadata) throws Exception {
		client.getKVClient()
			.put(bytes("/micro/registry/" + service + "/" + id), bytes(json(service, id, port, version, metadata)),
					PutOption.builder().withLeaseId(lease).build())
			.get(5, TimeUnit.SECONDS);
	}

	static String json(String service, String id, int port, String version, Map<String, String> metadata) {
		StringBuilder nodeMetadata = new StringBuilder("\"protocol\":\"http\"");
		metadata.forEach((key, value) -> nodeMetadata.append(",\"").append(key).append("\":\"").append(value).append('"'));
		return "{\"name\":\"" + service + "\",\"version\":\"" + version
				+ "\",\"metadata\":{},\"endpoints\":[],\"nodes\":[{\"id\":\"" + id + "\",\"address\":\"127.0.0.1:" + port
				+ "\",\"metadata\":{" + nodeMetadata + "}}]}";
	}

	static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

}
