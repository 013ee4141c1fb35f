package io.github.microspring.benchmarks.loadbalancer;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.PutOption;
import io.grpc.stub.StreamObserver;

/**
 * An HTTP server answering with its node id, registered in etcd as go-micro registers (JSON under a lease
 * kept alive), for the crash scenario to SIGKILL. Arguments: etcd endpoint, service, node id, port, lease
 * TTL in seconds, optionally node metadata as {@code key=value} pairs separated by commas.
 */
public final class EchoProcess {

	private EchoProcess() {
	}

	public static void main(String[] args) throws Exception {
		String service = args[1];
		String id = args[2];
		int port = Integer.parseInt(args[3]);
		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 200);
		byte[] body = id.getBytes(StandardCharsets.UTF_8);
		server.createContext("/", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		server.setExecutor(Executors.newFixedThreadPool(8));
		server.start();
		Client client = Client.builder().endpoints(args[0]).build();
		long lease = client.getLeaseClient().grant(Long.parseLong(args[4])).get(5, TimeUnit.SECONDS).getID();
		client.getLeaseClient().keepAlive(lease, new StreamObserver<LeaseKeepAliveResponse>() {

			@Override
			public void onNext(LeaseKeepAliveResponse value) {
			}

			@Override
			public void onError(Throwable t) {
			}

			@Override
			public void onCompleted() {
			}

		});
		StringBuilder metadata = new StringBuilder("\"protocol\":\"http\"");
		if (args.length > 5 && !args[5].isEmpty()) {
			for (String pair : args[5].split(",")) {
				String[] keyValue = pair.split("=", 2);
				metadata.append(",\"").append(keyValue[0]).append("\":\"").append(keyValue[1]).append('"');
			}
		}
		String json = "{\"name\":\"" + service + "\",\"version\":\"1.0.0\",\"metadata\":{},\"endpoints\":[],"
				+ "\"nodes\":[{\"id\":\"" + id + "\",\"address\":\"127.0.0.1:" + port
				+ "\",\"metadata\":{" + metadata + "}}]}";
		client.getKVClient()
			.put(bytes("/micro/registry/" + service + "/" + id), bytes(json),
					PutOption.builder().withLeaseId(lease).build())
			.get(5, TimeUnit.SECONDS);
		System.out.println("READY");
		System.out.flush();
		new CountDownLatch(1).await();
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

}
