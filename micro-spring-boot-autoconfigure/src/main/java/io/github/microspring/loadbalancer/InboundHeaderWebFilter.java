package io.github.microspring.loadbalancer;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Removes the headers that steer the balancer from requests entering a WebFlux application.
 */
class InboundHeaderWebFilter implements WebFilter, Ordered {

	private final InboundHeaders headers;

	InboundHeaderWebFilter(InboundHeaders headers) {
		this.headers = headers;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return chain.filter(strip(exchange, this.headers));
	}

	static ServerWebExchange strip(ServerWebExchange exchange, InboundHeaders headers) {
		if (!headers.anyIn(exchange.getRequest().getHeaders())) {
			return exchange;
		}
		return exchange.mutate()
			.request((request) -> request.headers((writable) -> headers.names().forEach(writable::remove)))
			.build();
	}

	@Override
	public int getOrder() {
		return InboundHeaders.ORDER;
	}

}
