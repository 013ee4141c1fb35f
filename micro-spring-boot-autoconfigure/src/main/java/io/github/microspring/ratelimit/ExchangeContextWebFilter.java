package io.github.microspring.ratelimit;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Puts the exchange into the Reactor context, so that a rate-limited reactive handler method can read the
 * request for its key and set the RateLimit fields on the answer.
 */
class ExchangeContextWebFilter implements WebFilter, Ordered {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return chain.filter(exchange).contextWrite((context) -> context.put(ServerWebExchange.class, exchange));
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
