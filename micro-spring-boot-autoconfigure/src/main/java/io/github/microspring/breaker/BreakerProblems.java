package io.github.microspring.breaker;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;

import org.springframework.http.HttpStatus;

/**
 * The problem+json answer to a call refused by an open breaker, shared by the servlet and reactive handlers.
 */
final class BreakerProblems {

	private BreakerProblems() {
	}

	static Map<String, Object> body(CallNotPermittedException ex, String path) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("type", "about:blank");
		body.put("title", HttpStatus.SERVICE_UNAVAILABLE.getReasonPhrase());
		body.put("status", HttpStatus.SERVICE_UNAVAILABLE.value());
		body.put("detail", "Circuit breaker '" + ex.getCausingCircuitBreakerName() + "' is open");
		body.put("instance", URI.create(path).getPath());
		body.put("breaker", ex.getCausingCircuitBreakerName());
		return body;
	}

}
