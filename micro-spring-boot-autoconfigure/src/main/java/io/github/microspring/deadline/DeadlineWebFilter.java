package io.github.microspring.deadline;

import reactor.core.publisher.Mono;

import io.github.microspring.metadata.ChainContext;
import io.github.microspring.metadata.ChainContextThreadLocalAccessor;
import io.github.microspring.metadata.ContextWrite;
import io.github.microspring.metadata.Metadata;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Puts the deadline of a request entering a WebFlux application into the Reactor context.
 */
class DeadlineWebFilter implements WebFilter, Ordered {

	private static final ChainContextThreadLocalAccessor ACCESSOR = new ChainContextThreadLocalAccessor();

	private final DeadlineHeaders headers;

	DeadlineWebFilter(DeadlineHeaders headers) {
		this.headers = headers;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		HttpHeaders requestHeaders = exchange.getRequest().getHeaders();
		Deadline deadline = this.headers.deadline(requestHeaders::getFirst);
		if (deadline == null) {
			return chain.filter(exchange);
		}
		return ContextWrite.write(chain.filter(exchange), ChainContextThreadLocalAccessor.KEY,
				(outer) -> (outer != null) ? outer.withDeadline(deadline) : ChainContext.of(Metadata.empty(), deadline),
				ACCESSOR);
	}

	@Override
	public int getOrder() {
		return DeadlineServletFilter.ORDER;
	}

}
