package io.github.microspring.ratelimit;

import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.util.LinkedCaseInsensitiveMap;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The Spring MVC request of the current thread.
 */
final class ServletInboundRequest implements InboundRequest {

	/** HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE, without needing spring-webmvc here */
	private static final String PATH_VARIABLES = "org.springframework.web.servlet.HandlerMapping.uriTemplateVariables";

	private final HttpServletRequest request;

	private final HttpServletResponse response;

	private ServletInboundRequest(HttpServletRequest request, HttpServletResponse response) {
		this.request = request;
		this.response = response;
	}

	/**
	 * @return the request bound to this thread, or {@code null} outside a Spring MVC request
	 */
	static ServletInboundRequest current() {
		RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
		if (attributes instanceof ServletRequestAttributes servlet) {
			return new ServletInboundRequest(servlet.getRequest(), servlet.getResponse());
		}
		return null;
	}

	@Override
	public Object request() {
		return this.request;
	}

	@Override
	public Map<String, String> headers() {
		Map<String, String> headers = new LinkedCaseInsensitiveMap<>();
		Enumeration<String> names = this.request.getHeaderNames();
		while (names.hasMoreElements()) {
			String name = names.nextElement();
			headers.putIfAbsent(name, this.request.getHeader(name));
		}
		return headers;
	}

	@Override
	public String remoteAddress() {
		return this.request.getRemoteAddr();
	}

	@Override
	@SuppressWarnings("unchecked")
	public Map<String, String> pathVariables() {
		Object variables = this.request.getAttribute(PATH_VARIABLES);
		return (variables instanceof Map<?, ?> map) ? (Map<String, String>) map : Collections.emptyMap();
	}

	@Override
	public void setHeaders(Map<String, String> headers) {
		if (this.response != null) {
			headers.forEach(this.response::setHeader);
		}
	}

}
