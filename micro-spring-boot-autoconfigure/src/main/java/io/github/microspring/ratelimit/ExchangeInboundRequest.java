package io.github.microspring.ratelimit;

import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.Map;

import org.springframework.util.LinkedCaseInsensitiveMap;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.ServerWebExchange;

/**
 * The WebFlux exchange a reactive call answers, found in the Reactor context where
 * {@link ExchangeContextWebFilter} put it.
 */
final class ExchangeInboundRequest implements InboundRequest {

	private final ServerWebExchange exchange;

	ExchangeInboundRequest(ServerWebExchange exchange) {
		this.exchange = exchange;
	}

	@Override
	public Object request() {
		return this.exchange.getRequest();
	}

	@Override
	public Map<String, String> headers() {
		Map<String, String> headers = new LinkedCaseInsensitiveMap<>();
		this.exchange.getRequest().getHeaders().forEach((name, values) -> {
			if (!values.isEmpty()) {
				headers.putIfAbsent(name, values.get(0));
			}
		});
		return headers;
	}

	@Override
	public String remoteAddress() {
		InetSocketAddress address = this.exchange.getRequest().getRemoteAddress();
		if (address == null) {
			return null;
		}
		return (address.getAddress() != null) ? address.getAddress().getHostAddress() : address.getHostString();
	}

	@Override
	public Map<String, String> pathVariables() {
		Map<String, String> variables = this.exchange.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
		return (variables != null) ? variables : Collections.emptyMap();
	}

	@Override
	public void setHeaders(Map<String, String> headers) {
		headers.forEach(this.exchange.getResponse().getHeaders()::set);
	}

}
