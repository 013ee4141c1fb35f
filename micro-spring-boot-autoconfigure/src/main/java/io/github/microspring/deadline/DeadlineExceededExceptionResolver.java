package io.github.microspring.deadline;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.lang.Nullable;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers a {@link DeadlineExceededException} that reaches a controller with 504 and a problem+json body.
 */
class DeadlineExceededExceptionResolver implements HandlerExceptionResolver, Ordered {

	@Override
	@Nullable
	public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response,
			@Nullable Object handler, Exception ex) {
		if (!DeadlineProblem.isDeadlineExceeded(ex, Deadline.current()) || response.isCommitted()) {
			return null;
		}
		try {
			response.resetBuffer();
			response.setStatus(DeadlineProblem.STATUS);
			response.setContentType(DeadlineProblem.CONTENT_TYPE);
			response.getOutputStream().write(DeadlineProblem.body(request.getRequestURI()));
		}
		catch (IOException writeFailed) {
			return null;
		}
		return new ModelAndView();
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
