package io.github.microspring.ratelimit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * WebFlux: answers a {@link RateLimitExceededException} with its status, its headers and a problem+json body,
 * before Boot's error handler.
 */
public class RateLimitWebExceptionHandler implements WebExceptionHandler, Ordered {

	private final ObjectMapper json = new ObjectMapper();

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		if (!(ex instanceof RateLimitExceededException refused) || exchange.getResponse().isCommitted()) {
			return Mono.error(ex);
		}
		ServerHttpResponse response = exchange.getResponse();
		response.setStatusCode(HttpStatus.valueOf(refused.getStatus()));
		refused.getHeaders().forEach(response.getHeaders()::set);
		response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		byte[] body;
		try {
			body = this.json.writeValueAsBytes(
					RateLimitProblem.of(refused, exchange.getRequest().getPath().value()));
		}
		catch (JsonProcessingException writeFailed) {
			return Mono.error(ex);
		}
		DataBuffer buffer = response.bufferFactory().wrap(body);
		return response.writeWith(Mono.just(buffer));
	}

	@Override
	public int getOrder() {
		return -2;
	}

}
