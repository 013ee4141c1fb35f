package io.github.microspring.breaker;

import java.io.IOException;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers a controller call refused by an open breaker with 503, a problem+json body and {@code Retry-After}
 * (the time until the breaker lets a trial call through). Ordered before Spring MVC's resolvers, so an
 * application's own catch-all {@code @ExceptionHandler} does not turn it into a 500.
 */
class BreakerOpenExceptionResolver implements HandlerExceptionResolver, Ordered {

	private final Breakers breakers;

	private final ObjectMapper json;

	BreakerOpenExceptionResolver(Breakers breakers, ObjectMapper json) {
		this.breakers = breakers;
		this.json = json;
	}

	@Override
	public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
			Exception ex) {
		if (!(ex instanceof CallNotPermittedException refused) || response.isCommitted()) {
			return null;
		}
		try {
			response.setStatus(HttpStatus.SERVICE_UNAVAILABLE.value());
			response.setHeader(HttpHeaders.RETRY_AFTER,
					String.valueOf(this.breakers.retryAfter(refused.getCausingCircuitBreakerName()).toSeconds()));
			response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
			this.json.writeValue(response.getOutputStream(), BreakerProblems.body(refused, request.getRequestURI()));
			return new ModelAndView();
		}
		catch (IOException writeFailed) {
			return null;
		}
	}

	@Override
	public int getOrder() {
		// before the HandlerExceptionResolverComposite of @ExceptionHandler methods (order 0)
		return -1;
	}

}
