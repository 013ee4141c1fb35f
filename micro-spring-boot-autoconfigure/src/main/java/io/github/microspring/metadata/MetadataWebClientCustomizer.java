package io.github.microspring.metadata;

import reactor.core.publisher.Mono;

import io.github.microspring.client.OutgoingWebClientCustomizer;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Sends the current metadata as headers on every call of every WebClient the application builds, from
 * outside the load balancer (first in the list), once per call.
 */
class MetadataWebClientCustomizer implements OutgoingWebClientCustomizer {

	@Override
	public void customize(WebClient.Builder builder) {
		builder.filters((filters) -> {
			if (filters.stream().noneMatch(Filter.class::isInstance)) {
				filters.add(0, new Filter());
			}
		});
	}

	/**
	 * Reads the metadata from the Reactor context of the call when it is there (a call made inside a
	 * reactive chain), else from the thread that subscribes.
	 */
	static final class Filter implements ExchangeFilterFunction {

		@Override
		public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
			return Mono.deferContextual((context) -> {
				ChainContext carried = context.getOrDefault(ChainContextThreadLocalAccessor.KEY, null);
				Metadata metadata = (carried != null) ? carried.metadata() : Metadata.empty();
				if (metadata.isEmpty()) {
					metadata = Metadata.current();
				}
				if (metadata.isEmpty()) {
					return next.exchange(request);
				}
				Metadata sent = metadata;
				return next.exchange(ClientRequest.from(request)
					.headers((headers) -> MetadataRestClientCustomizer.copy(sent, headers))
					.build());
			});
		}

	}

}
