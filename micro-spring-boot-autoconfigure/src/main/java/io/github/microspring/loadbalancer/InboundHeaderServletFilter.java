package io.github.microspring.loadbalancer;

import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Hides the headers that steer the balancer from requests entering a servlet application.
 */
class InboundHeaderServletFilter extends OncePerRequestFilter implements Ordered {

	private final InboundHeaders headers;

	InboundHeaderServletFilter(InboundHeaders headers) {
		this.headers = headers;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		chain.doFilter(holdsAny(request) ? new Stripped(request, this.headers) : request, response);
	}

	private boolean holdsAny(HttpServletRequest request) {
		for (String name : this.headers.names()) {
			if (request.getHeader(name) != null) {
				return true;
			}
		}
		return false;
	}

	@Override
	public int getOrder() {
		return InboundHeaders.ORDER;
	}

	private static final class Stripped extends HttpServletRequestWrapper {

		private final InboundHeaders headers;

		Stripped(HttpServletRequest request, InboundHeaders headers) {
			super(request);
			this.headers = headers;
		}

		@Override
		public String getHeader(String name) {
			return this.headers.isStripped(name) ? null : super.getHeader(name);
		}

		@Override
		public Enumeration<String> getHeaders(String name) {
			return this.headers.isStripped(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
		}

		@Override
		public Enumeration<String> getHeaderNames() {
			List<String> names = Collections.list(super.getHeaderNames());
			names.removeIf(this.headers::isStripped);
			return Collections.enumeration(names);
		}

		@Override
		public long getDateHeader(String name) {
			return this.headers.isStripped(name) ? -1 : super.getDateHeader(name);
		}

		@Override
		public int getIntHeader(String name) {
			return this.headers.isStripped(name) ? -1 : super.getIntHeader(name);
		}

	}

}
