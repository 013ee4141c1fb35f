package io.github.microspring.deadline;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Answers a {@link DeadlineExceededException} in a WebFlux application with 504 and a problem+json body.
 */
class DeadlineExceededWebExceptionHandler implements WebExceptionHandler, Ordered {

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		ServerHttpResponse response = exchange.getResponse();
		if (!DeadlineProblem.isDeadlineExceeded(ex, null) || response.isCommitted()) {
			return Mono.error(ex);
		}
		response.setStatusCode(HttpStatusCode.valueOf(DeadlineProblem.STATUS));
		response.getHeaders().set(HttpHeaders.CONTENT_TYPE, DeadlineProblem.CONTENT_TYPE);
		DataBuffer body = response.bufferFactory().wrap(DeadlineProblem.body(exchange.getRequest().getPath().value()));
		return response.writeWith(Mono.just(body));
	}

	/**
	 * Ahead of Boot's error handler (-1).
	 */
	@Override
	public int getOrder() {
		return -2;
	}

}
