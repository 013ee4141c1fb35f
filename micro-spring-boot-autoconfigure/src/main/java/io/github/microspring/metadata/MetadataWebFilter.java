package io.github.microspring.metadata;

import java.util.Iterator;
import java.util.Map;

import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.lang.Nullable;
import org.springframework.util.ClassUtils;
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

	private static final String REACTOR_REQUEST = "org.springframework.http.server.reactive.ReactorServerHttpRequest";

	private static final boolean NETTY = ClassUtils.isPresent("reactor.netty.http.server.HttpServerRequest",
			MetadataWebFilter.class.getClassLoader())
			&& ClassUtils.isPresent(REACTOR_REQUEST, MetadataWebFilter.class.getClassLoader());

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
		Metadata metadata = read(exchange.getRequest());
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

	@Nullable
	private Metadata read(ServerHttpRequest request) {
		if (NETTY) {
			Iterator<Map.Entry<CharSequence, CharSequence>> pairs = NettyHeaders.pairs(request);
			if (pairs != null) {
				return this.headers.readPairs(pairs);
			}
		}
		HttpHeaders requestHeaders = request.getHeaders();
		return this.headers.read(requestHeaders.keySet(), requestHeaders::getFirst);
	}

	@Override
	public int getOrder() {
		return MetadataServletFilter.ORDER;
	}

	/**
	 * Reads the headers of a request on Reactor Netty from Netty's own header store, name and value together:
	 * through Spring's {@link HttpHeaders} every request would first build a set of all its header names. Kept
	 * apart so that Reactor Netty's classes are only loaded when they are there.
	 */
	private static final class NettyHeaders {

		/**
		 * Spring's request on Reactor Netty, as the server made it: a mutated or decorated request may carry other
		 * headers than the connection's, and is read through Spring's headers.
		 */
		private static final Class<?> UNCHANGED = ClassUtils.resolveClassName(REACTOR_REQUEST,
				NettyHeaders.class.getClassLoader());

		@Nullable
		static Iterator<Map.Entry<CharSequence, CharSequence>> pairs(ServerHttpRequest request) {
			if (request.getClass() == UNCHANGED
					&& ((AbstractServerHttpRequest) request).getNativeRequest() instanceof HttpServerRequest netty) {
				return netty.requestHeaders().iteratorCharSequence();
			}
			return null;
		}

	}

}
