package io.github.microspring.metadata;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.lang.Nullable;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Puts the metadata of a request entering a WebFlux application into the Reactor context, from which
 * context propagation restores it on whichever thread serves the request; a request that carries none
 * leaves the context as it is.
 */
class MetadataWebFilter implements WebFilter, Ordered {

	private static final ChainContextThreadLocalAccessor ACCESSOR = new ChainContextThreadLocalAccessor();

	private final MetadataHeaders headers;

	private final MetadataRejection rejection;

	@Nullable
	private final MetadataMdc mdc;

	MetadataWebFilter(MetadataHeaders headers, MetadataRejection rejection, @Nullable MetadataMdc mdc) {
		this.headers = headers;
		this.rejection = rejection;
		this.mdc = mdc;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		HttpHeaders requestHeaders = exchange.getRequest().getHeaders();
		Metadata metadata = this.headers.read(requestHeaders.keySet(), requestHeaders::getFirst);
		if (metadata == null) {
			ServerHttpResponse response = exchange.getResponse();
			response.setStatusCode(HttpStatusCode.valueOf(this.rejection.status()));
			response.getHeaders().set(HttpHeaders.CONTENT_TYPE, MetadataRejection.CONTENT_TYPE);
			DataBuffer body = response.bufferFactory()
				.wrap(this.rejection.body(exchange.getRequest().getPath().value()));
			return response.writeWith(Mono.just(body));
		}
		if (metadata.isEmpty()) {
			return chain.filter(exchange);
		}
		Mono<Void> served;
		if (this.mdc != null) {
			MetadataMdc mdc = this.mdc;
			served = Mono.defer(() -> {
				mdc.put(metadata);
				return chain.filter(exchange).doFinally((signal) -> mdc.remove(metadata));
			});
		}
		else {
			served = chain.filter(exchange);
		}
		return ContextWrite.write(served, ChainContextThreadLocalAccessor.KEY,
				(outer) -> (outer != null) ? outer.withMetadata(metadata) : ChainContext.of(metadata, null), ACCESSOR);
	}

	@Override
	public int getOrder() {
		return MetadataServletFilter.ORDER;
	}

}
