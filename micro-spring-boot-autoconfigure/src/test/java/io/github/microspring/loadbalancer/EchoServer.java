package io.github.microspring.loadbalancer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;

/**
 * An HTTP server that answers every request with its node id, registered in etcd the way a go-micro
 * service registers: its JSON under a lease kept alive. Run as a separate process so a test can SIGKILL it.
 * Arguments: etcd endpoint, service, node id, port, lease TTL in seconds.
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
		register(client, service, id, port, lease);
		System.out.println("READY");
		System.out.flush();
		new CountDownLatch(1).await();
		keepAlive.close();
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
		client.getKVClient()
			.put(bytes("/micro/registry/" + service + "/" + id), bytes(json(service, id, port)),
					PutOption.builder().withLeaseId(lease).build())
			.get(5, TimeUnit.SECONDS);
	}

	static String json(String service, String id, int port) {
		return "{\"name\":\"" + service + "\",\"version\":\"1.0.0\",\"metadata\":{},\"endpoints\":[],\"nodes\":[{\"id\":\""
				+ id + "\",\"address\":\"127.0.0.1:" + port + "\",\"metadata\":{\"protocol\":\"http\"}}]}";
	}

	static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

}
