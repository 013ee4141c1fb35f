package io.github.microspring.deadline;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Binds the deadline of a request entering a servlet application to the thread that serves it.
 */
class DeadlineServletFilter extends OncePerRequestFilter implements Ordered {

	/**
	 * Next to the metadata filter, ahead of anything that calls out.
	 */
	static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 11;

	private final DeadlineHeaders headers;

	DeadlineServletFilter(DeadlineHeaders headers) {
		this.headers = headers;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Deadline deadline = this.headers.deadline(request::getHeader);
		if (deadline == null) {
			chain.doFilter(request, response);
			return;
		}
		try (Deadline.Scope scope = deadline.open()) {
			chain.doFilter(request, response);
		}
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
