package io.github.microspring.loadbalancer;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

/**
 * Removes the headers that steer the balancer from requests Spring Cloud Gateway routes, before its
 * load-balancer filter chooses an instance and before the route's own filters, which may set them on purpose.
 */
class InboundHeaderGlobalFilter implements GlobalFilter, Ordered {

	private final InboundHeaders headers;

	InboundHeaderGlobalFilter(InboundHeaders headers) {
		this.headers = headers;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		return chain.filter(InboundHeaderWebFilter.strip(exchange, this.headers));
	}

	@Override
	public int getOrder() {
		return InboundHeaders.ORDER;
	}

}
