package io.github.microspring.breaker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * The WebFlux side of {@link BreakerOpenExceptionResolver}: 503, problem+json and {@code Retry-After} for a
 * call refused by an open breaker, ordered before Spring Boot's error handler.
 */
class BreakerOpenWebExceptionHandler implements WebExceptionHandler, Ordered {

	private final Breakers breakers;

	private final ObjectMapper json;

	BreakerOpenWebExceptionHandler(Breakers breakers, ObjectMapper json) {
		this.breakers = breakers;
		this.json = json;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		ServerHttpResponse response = exchange.getResponse();
		if (!(ex instanceof CallNotPermittedException refused) || response.isCommitted()) {
			return Mono.error(ex);
		}
		byte[] body;
		try {
			body = this.json.writeValueAsBytes(BreakerProblems.body(refused, exchange.getRequest().getPath().value()));
		}
		catch (JsonProcessingException writeFailed) {
			return Mono.error(ex);
		}
		response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
		response.getHeaders()
			.set(HttpHeaders.RETRY_AFTER,
					String.valueOf(this.breakers.retryAfter(refused.getCausingCircuitBreakerName()).toSeconds()));
		response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		DataBuffer buffer = response.bufferFactory().wrap(body);
		return response.writeWith(Mono.just(buffer));
	}

	@Override
	public int getOrder() {
		// before Spring Boot's ErrorWebExceptionHandler (-1)
		return -2;
	}

}
