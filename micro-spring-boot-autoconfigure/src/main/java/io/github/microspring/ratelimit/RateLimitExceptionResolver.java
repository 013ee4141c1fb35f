package io.github.microspring.ratelimit;

import java.io.IOException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Spring MVC: answers a {@link RateLimitExceededException} with its status, its headers and a problem+json
 * body. Ordered after the application's {@code @ExceptionHandler} methods, which may answer it their way.
 */
public class RateLimitExceptionResolver implements HandlerExceptionResolver, Ordered {

	private final ObjectMapper json = new ObjectMapper();

	@Override
	public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
			Exception ex) {
		if (!(ex instanceof RateLimitExceededException refused) || response.isCommitted()) {
			return null;
		}
		try {
			response.setStatus(refused.getStatus());
			refused.getHeaders().forEach(response::setHeader);
			response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
			this.json.writeValue(response.getOutputStream(), RateLimitProblem.of(refused, request.getRequestURI()));
		}
		catch (IOException writeFailed) {
			return null;
		}
		return new ModelAndView();
	}

	@Override
	public int getOrder() {
		return 1;
	}

}
