package io.github.microspring.metadata;

import java.io.IOException;
import java.util.Collections;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.lang.Nullable;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Binds the metadata of a request entering a servlet application to the thread that serves it.
 */
class MetadataServletFilter extends OncePerRequestFilter implements Ordered {

	/**
	 * After the load balancer's header stripping, ahead of security and of anything that calls out.
	 */
	static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

	private final MetadataHeaders headers;

	private final MetadataRejection rejection;

	@Nullable
	private final MetadataMdc mdc;

	MetadataServletFilter(MetadataHeaders headers, MetadataRejection rejection, @Nullable MetadataMdc mdc) {
		this.headers = headers;
		this.rejection = rejection;
		this.mdc = mdc;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Metadata metadata = this.headers.read(Collections.list(request.getHeaderNames()), request::getHeader);
		if (metadata == null) {
			response.setStatus(this.rejection.status());
			response.setContentType(MetadataRejection.CONTENT_TYPE);
			response.getOutputStream().write(this.rejection.body(request.getRequestURI()));
			return;
		}
		if (metadata.isEmpty()) {
			chain.doFilter(request, response);
			return;
		}
		ChainContext.Scope scope = ChainContext.current().withMetadata(metadata).open();
		if (this.mdc != null) {
			this.mdc.put(metadata);
		}
		try {
			chain.doFilter(request, response);
		}
		finally {
			if (this.mdc != null) {
				this.mdc.remove(metadata);
			}
			scope.close();
		}
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
