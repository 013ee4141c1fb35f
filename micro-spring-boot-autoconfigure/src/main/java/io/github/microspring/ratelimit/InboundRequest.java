package io.github.microspring.ratelimit;

import java.util.Map;

/**
 * The request a server-side call answers, as key expressions see it, and where its answer headers go.
 */
interface InboundRequest {

	/**
	 * @return the request of the web stack: an {@code HttpServletRequest} or a {@code ServerHttpRequest}
	 */
	Object request();

	/**
	 * @return first value of each header, names matched ignoring case
	 */
	Map<String, String> headers();

	String remoteAddress();

	Map<String, String> pathVariables();

	void setHeaders(Map<String, String> headers);

}
