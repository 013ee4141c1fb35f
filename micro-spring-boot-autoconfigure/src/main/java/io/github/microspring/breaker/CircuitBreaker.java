package io.github.microspring.breaker;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the method under a Hystrix-style circuit breaker: a timeout, a cap on concurrent calls, a rolling window
 * that opens the breaker once enough calls failed, a sleep window before a trial call, and an optional fallback.
 * Settings come from {@code micro.breaker.instances.<name>.*} merged over {@code micro.breaker.defaults.*}.
 * <p>
 * Works on methods returning a value or {@code void} (run on the breaker's bounded pool so the timeout holds),
 * {@code Mono}, {@code Flux} and {@code CompletionStage}. The method must be public or protected, not final,
 * and called through the bean's proxy (a call from the same object is not advised).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CircuitBreaker {

	/**
	 * Name of the breaker: the key of its settings and of its Resilience4j instances. Methods sharing a name
	 * share one breaker.
	 * @return the breaker name
	 */
	String name();

	/**
	 * Name of a method of the same class called instead when the call fails, times out, is rejected or the
	 * breaker is open. It takes the original parameters plus a trailing exception, or the exception alone, and
	 * returns the same type. Checked when the application starts.
	 * @return the fallback method name, or empty for none
	 */
	String fallbackMethod() default "";

}
