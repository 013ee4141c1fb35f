package io.github.microspring.metadata;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import io.github.microspring.client.OutgoingRestClientCustomizer;
import io.github.microspring.client.OutgoingRestTemplateCustomizer;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * Sends the current metadata as headers on every call of every blocking HTTP client the application builds.
 * Runs outside the load balancer (first in the list), once per call: the headers are the same on every try.
 */
class MetadataRestClientCustomizer implements OutgoingRestClientCustomizer, OutgoingRestTemplateCustomizer {

	@Override
	public void customize(RestClient.Builder builder) {
		builder.requestInterceptors(MetadataRestClientCustomizer::addFirst);
	}

	@Override
	public void customize(RestTemplate template) {
		addFirst(template.getInterceptors());
	}

	private static void addFirst(List<ClientHttpRequestInterceptor> interceptors) {
		if (interceptors.stream().noneMatch(Interceptor.class::isInstance)) {
			interceptors.add(0, new Interceptor());
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

}
