package io.github.microspring.deadline;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The request factory of blocking clients against a real HTTP server on loopback: it sends bodies and the
 * budget left, and cuts a request that gets no answer.
 */
class PerTryRequestFactoryTests {

	private final CountDownLatch release = new CountDownLatch(1);

	private HttpServer server;

	private RestClient client;

	private RestClient withPerTryTimeout;

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
		this.server.createContext("/echo", (exchange) -> {
			byte[] body = (exchange.getRequestHeaders().getFirst("X-Micro-Timeout") + ":"
					+ new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
				.getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		this.server.createContext("/hang", (exchange) -> {
			try {
				this.release.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			exchange.sendResponseHeaders(204, -1);
			exchange.close();
		});
		this.server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
		this.server.start();
		String base = "http://127.0.0.1:" + this.server.getAddress().getPort();
		HttpClient http = HttpClient.newHttpClient();
		this.client = RestClient.builder()
			.baseUrl(base)
			.requestFactory(new PerTryRequestFactory(http, "X-Micro-Timeout", () -> null))
			.build();
		this.withPerTryTimeout = RestClient.builder()
			.baseUrl(base)
			.requestFactory(new PerTryRequestFactory(http, "X-Micro-Timeout", () -> Duration.ofMillis(300)))
			.build();
	}

	@AfterEach
	void stop() {
		this.release.countDown();
		this.server.stop(0);
	}

	@Test
	void sendsTheBodyAndTheBudgetLeft() {
		try (Deadline.Scope scope = Deadline.after(Duration.ofSeconds(10)).open()) {
			String answer = this.client.post().uri("/echo").body("hello").retrieve().body(String.class);
			String[] parts = answer.split(":", 2);
			assertThat(Long.parseLong(parts[0])).isPositive().isLessThanOrEqualTo(10_000);
			assertThat(parts[1]).isEqualTo("hello");
		}
	}

	@Test
	void withoutDeadlineSendsNoBudget() {
		assertThat(this.client.post().uri("/echo").body("hello").retrieve().body(String.class)).isEqualTo("null:hello");
	}

	@Test
	void cutsATryWithoutAnswerAtThePerTryTimeout() {
		assertThatExceptionOfType(ResourceAccessException.class)
			.isThrownBy(() -> this.withPerTryTimeout.get().uri("/hang").retrieve().toBodilessEntity())
			.withCauseInstanceOf(HttpTimeoutException.class);
	}

	@Test
	void cutsATryWithoutAnswerAtTheDeadlineAndSaysSo() {
		try (Deadline.Scope scope = Deadline.after(Duration.ofMillis(200)).open()) {
			assertThatExceptionOfType(DeadlineExceededException.class)
				.isThrownBy(() -> this.client.get().uri("/hang").retrieve().toBodilessEntity());
		}
	}

	@Test
	void refusesOnceTheDeadlineIsSpent() {
		try (Deadline.Scope scope = Deadline.after(Duration.ZERO).open()) {
			assertThatExceptionOfType(DeadlineExceededException.class)
				.isThrownBy(() -> this.client.get().uri("/echo").retrieve().toBodilessEntity());
		}
	}

}
