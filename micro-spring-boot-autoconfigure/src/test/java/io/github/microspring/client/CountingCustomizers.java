package io.github.microspring.client;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.sun.net.httpserver.HttpServer;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Customizers of each kind that add one {@code X-Outgoing} header (idempotently, as the contract asks) and
 * remember the host each request had when it reached them, and a server that answers how many
 * {@code X-Outgoing} values it received.
 */
final class CountingCustomizers {

	/** Hosts seen by the customizers' interceptors and filters, in call order. */
	final Queue<String> hostsSeen = new ConcurrentLinkedQueue<>();

	OutgoingRestClientCustomizer restClient() {
		return (builder) -> builder.requestInterceptors((interceptors) -> addOnce(interceptors, new Interceptor()));
	}

	OutgoingRestTemplateCustomizer restTemplate() {
		return (template) -> {
			if (template.getInterceptors().stream().noneMatch(Interceptor.class::isInstance)) {
				template.getInterceptors().add(new Interceptor());
			}
		};
	}

	OutgoingWebClientCustomizer webClient() {
		return (builder) -> builder.filters((filters) -> addOnce(filters, new Filter()));
	}

	private static <T> void addOnce(List<T> list, T element) {
		if (list.stream().noneMatch(element.getClass()::isInstance)) {
			list.add(element);
		}
	}

	/** Answers the number of {@code X-Outgoing} values a request carried, on 127.0.0.1 and a free port. */
	static HttpServer countingServer() throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		server.createContext("/", (exchange) -> {
			List<String> values = exchange.getRequestHeaders().get("X-Outgoing");
			byte[] body = String.valueOf((values != null) ? values.size() : 0).getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().add("Content-Type", "text/plain");
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		server.start();
		return server;
	}

	private final class Interceptor implements ClientHttpRequestInterceptor {

		@Override
		public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
				throws IOException {
			CountingCustomizers.this.hostsSeen.add(request.getURI().getHost());
			request.getHeaders().add("X-Outgoing", "1");
			return execution.execute(request, body);
		}

	}

	private final class Filter implements ExchangeFilterFunction {

		@Override
		public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
			CountingCustomizers.this.hostsSeen.add(request.url().getHost());
			return next.exchange(ClientRequest.from(request).header("X-Outgoing", "1").build());
		}

	}

}
