package io.github.microspring.sample.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.github.microspring.test.FreePorts;
import io.github.microspring.test.etcd.EtcdServer;

/**
 * A stand-in for comment-service, as go-micro's mock registry lets a service be tested without the ones it
 * calls: a small HTTP server registered in real etcd under comment-service's name, in go-micro's format,
 * answering {@code GET /comments/{article}} with a fixed page that names it, or with a chosen status.
 */
final class StandInCommentService implements AutoCloseable {

	private final EtcdServer etcd;

	private final String id = "comment-service-standin-" + UUID.randomUUID();

	private final String key;

	private final int port;

	private volatile HttpServer server;

	private volatile Duration delay = Duration.ZERO;

	private volatile Headers lastHeaders = new Headers();

	private final AtomicInteger calls = new AtomicInteger();

	private final String version;

	private volatile int status = 200;

	private StandInCommentService(EtcdServer etcd, String version) {
		this.etcd = etcd;
		this.key = "/micro/registry/comment-service/" + this.id;
		this.port = FreePorts.take();
		this.version = version;
		up();
		etcd.put(this.key, """
				{"name":"comment-service","version":"%s","metadata":{},"endpoints":[],
				 "nodes":[{"id":"%s","address":"127.0.0.1:%d","metadata":{"protocol":"http","zone":"a"}}]}"""
			.formatted(version, this.id, port()));
	}

	static StandInCommentService register(EtcdServer etcd, String version) {
		return new StandInCommentService(etcd, version);
	}

	String id() {
		return this.id;
	}

	int port() {
		return this.port;
	}

	int calls() {
		return this.calls.get();
	}

	/**
	 * Answers every later call with this status and an empty body, as a failing instance would.
	 */
	void answerWith(int status) {
		this.status = status;
	}

	/**
	 * Answers every later call that much later, as an overloaded instance would.
	 */
	void slowBy(Duration delay) {
		this.delay = delay;
	}

	/**
	 * The headers of the last call it answered.
	 */
	Headers lastHeaders() {
		return this.lastHeaders;
	}

	/**
	 * Stops serving while staying in etcd, as a crashed process whose lease has not expired yet: calls to it
	 * are refused.
	 */
	void down() {
		this.server.stop(0);
	}

	/**
	 * Serves again on the same port.
	 */
	void up() {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", this.port), 0);
			server.createContext("/comments/", (exchange) -> answer(exchange, this.version));
			server.start();
			this.server = server;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Leaves etcd, as a graceful shutdown does, and stops serving.
	 */
	@Override
	public void close() {
		this.etcd.post("/v3/kv/deleterange",
				"{\"key\":\"" + Base64.getEncoder().encodeToString(this.key.getBytes(StandardCharsets.UTF_8)) + "\"}",
				null);
		this.server.stop(0);
	}

	private void answer(HttpExchange exchange, String version) throws IOException {
		this.calls.incrementAndGet();
		this.lastHeaders = exchange.getRequestHeaders();
		if (!this.delay.isZero()) {
			try {
				// the slowness this stand-in exists to show: an overloaded instance answering late
				Thread.sleep(this.delay.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		String article = exchange.getRequestURI().getPath().substring("/comments/".length());
		byte[] body = (this.status != 200) ? new byte[0] : """
				{"instance":"%s","version":"%s","comments":[{"article":"%s","author":"stand-in","text":"canned"}]}"""
			.formatted(this.id, version, article)
			.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().add("Content-Type", "application/json");
		exchange.sendResponseHeaders(this.status, (body.length > 0) ? body.length : -1);
		exchange.getResponseBody().write(body);
		exchange.close();
	}

}
