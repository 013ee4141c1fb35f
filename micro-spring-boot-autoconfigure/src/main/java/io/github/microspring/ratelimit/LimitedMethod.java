package io.github.microspring.ratelimit;

import java.lang.reflect.Method;
import java.util.Map;

import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;

/**
 * A rate-limited method as resolved once at startup: its limit, key expression, side and kind of result.
 */
final class LimitedMethod {

	enum Result {

		/** a {@code Mono} */
		MONO,

		/** a {@code Flux} or another {@code Publisher} */
		FLUX,

		/** a {@code CompletionStage} or {@code CompletableFuture} */
		STAGE,

		/** anything else, returned when the method returns */
		PLAIN

	}

	private final Method method;

	private final LimitSpec limit;

	private final Expression key;

	private final boolean server;

	private final Result result;

	private final String policy;

	private final String quotedName;

	private final ParameterNameDiscoverer parameterNames;

	/** index of the argument a key of just {@code #name} names, evaluated without SpEL; -1 otherwise */
	private final int keyArgument;

	LimitedMethod(Method method, LimitSpec limit, Expression key, boolean server, Result result,
			ParameterNameDiscoverer parameterNames) {
		this.method = method;
		this.limit = limit;
		this.key = key;
		this.server = server;
		this.result = result;
		this.parameterNames = parameterNames;
		this.policy = RateLimitHeaders.policy(limit);
		this.quotedName = RateLimitHeaders.item(limit.name());
		this.keyArgument = (key != null) ? argumentIndex(key.getExpressionString(), method, parameterNames) : -1;
	}

	private static int argumentIndex(String expression, Method method, ParameterNameDiscoverer parameterNames) {
		String trimmed = expression.trim();
		if (!trimmed.matches("#[A-Za-z_$][A-Za-z0-9_$]*")) {
			return -1;
		}
		String[] names = parameterNames.getParameterNames(method);
		for (int i = 0; names != null && i < names.length; i++) {
			if (trimmed.substring(1).equals(names[i])) {
				return i;
			}
		}
		return -1;
	}

	LimitSpec limit() {
		return this.limit;
	}

	boolean server() {
		return this.server;
	}

	Result result() {
		return this.result;
	}

	String policy() {
		return this.policy;
	}

	String quotedName() {
		return this.quotedName;
	}

	/**
	 * @param arguments the call's arguments
	 * @param inbound the request being answered, or {@code null}
	 * @return the bucket key, or {@code null} for the one bucket of the limit
	 */
	String key(Object[] arguments, InboundRequest inbound) {
		if (this.key == null) {
			return null;
		}
		if (this.keyArgument >= 0) {
			return String.valueOf(arguments[this.keyArgument]);
		}
		MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(null, this.method, arguments,
				this.parameterNames);
		if (inbound != null) {
			context.setVariable("request", inbound.request());
			context.setVariable("headers", inbound.headers());
			context.setVariable("remoteAddress", inbound.remoteAddress());
			context.setVariable("pathVariables", inbound.pathVariables());
		}
		else {
			context.setVariable("headers", Map.of());
			context.setVariable("pathVariables", Map.of());
		}
		return String.valueOf(this.key.getValue(context));
	}

	@Override
	public String toString() {
		return this.method.toGenericString() + " -> " + this.limit.name();
	}

}
