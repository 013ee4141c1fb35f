package io.github.microspring.metadata;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;

import io.github.microspring.client.ClientCustomizer;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Sends the current metadata as headers on every call of every HTTP client the application builds. Runs
 * outside the load balancer (first in the list), once per call: the headers are the same on every try.
 */
class MetadataClientCustomizer implements ClientCustomizer {

	@Override
	public void customize(RestClient.Builder builder) {
		builder.requestInterceptors((interceptors) -> addFirst(interceptors, new Interceptor()));
	}

	@Override
	public void customize(RestTemplate template) {
		addFirst(template.getInterceptors(), new Interceptor());
	}

	@Override
	public void customize(WebClient.Builder builder) {
		builder.filters((filters) -> {
			if (filters.stream().noneMatch(Filter.class::isInstance)) {
				filters.add(0, new Filter());
			}
		});
	}

	private static void addFirst(List<ClientHttpRequestInterceptor> interceptors, Interceptor interceptor) {
		if (interceptors.stream().noneMatch(Interceptor.class::isInstance)) {
			interceptors.add(0, interceptor);
		}
	}

	/**
	 * Headers the caller set itself win over metadata of the same name.
	 */
	static void copy(Metadata metadata, HttpHeaders headers) {
		for (Map.Entry<String, String> entry : metadata.asMap().entrySet()) {
			if (!headers.containsKey(entry.getKey())) {
				headers.set(entry.getKey(), entry.getValue());
			}
		}
	}

	static final class Interceptor implements ClientHttpRequestInterceptor {

		@Override
		public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
				throws IOException {
			copy(Metadata.current(), request.getHeaders());
			return execution.execute(request, body);
		}

	}

	/**
	 * Reads the metadata from the Reactor context of the call when it is there (a call made inside a
	 * reactive chain), else from the thread that subscribes.
	 */
	static final class Filter implements ExchangeFilterFunction {

		@Override
		public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
			return Mono.deferContextual((context) -> {
				Metadata metadata = context.getOrDefault(MetadataThreadLocalAccessor.KEY, null);
				if (metadata == null) {
					metadata = Metadata.current();
				}
				if (metadata.isEmpty()) {
					return next.exchange(request);
				}
				Metadata carried = metadata;
				return next.exchange(ClientRequest.from(request).headers((headers) -> copy(carried, headers)).build());
			});
		}

	}

}
