package io.github.microspring.loadbalancer;

/**
 * Thrown, when {@code micro.loadbalancer.fallback-to-all} is off, for a call whose version filter leaves
 * no instance of the service.
 */
public class NoMatchingInstanceException extends IllegalStateException {

	NoMatchingInstanceException(String message) {
		super(message);
	}

}
