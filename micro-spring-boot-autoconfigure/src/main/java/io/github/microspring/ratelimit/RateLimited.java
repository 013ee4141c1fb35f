package io.github.microspring.ratelimit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Limits calls of a method, or of every public method of a class, with a token bucket configured under
 * {@code micro.ratelimit.instances.<name>} (merged over {@code micro.ratelimit.defaults}).
 * <p>
 * On the server side (a method of a {@code @Controller}, or a handler method) a call over the limit is refused
 * with 429, {@code Retry-After} and the IETF {@code RateLimit} / {@code RateLimit-Policy} fields. On the client
 * side (anything else, HTTP interface clients included) a call waits for a token up to
 * {@code max-wait}, then fails with {@link RateLimitExceededException}. Works for blocking methods and for
 * methods returning {@code Mono}, {@code Flux} or {@code CompletionStage}.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RateLimited {

	/**
	 * Name of the limit, the key under {@code micro.ratelimit.instances}; methods sharing a name share the
	 * limit. Empty: {@code SimpleClassName.method}; on a class, every method then gets its own limit.
	 */
	String name() default "";

	/**
	 * SpEL expression giving the bucket key, such as {@code #remoteAddress}, {@code #headers['X-User']},
	 * {@code #pathVariables['id']} or a method argument {@code #userId}. Empty: the {@code key} property of the
	 * limit, else one bucket for the whole limit.
	 */
	String key() default "";

	/**
	 * Whether calls are refused (server) or paced (client); {@link Side#AUTO} decides by where the annotation
	 * sits.
	 */
	Side side() default Side.AUTO;

	/**
	 * Which half of go-micro's rate-limit wrappers applies.
	 */
	enum Side {

		/**
		 * Server for methods of {@code @Controller} beans and handler methods, client otherwise.
		 */
		AUTO,

		/**
		 * Refuse calls over the limit at once.
		 */
		SERVER,

		/**
		 * Wait up to {@code max-wait} for a token.
		 */
		CLIENT

	}

}
