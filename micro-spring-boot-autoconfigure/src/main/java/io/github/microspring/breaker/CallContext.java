package io.github.microspring.breaker;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import org.slf4j.MDC;
import reactor.util.context.ContextView;

import org.springframework.util.ClassUtils;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * Carries the caller's thread context onto the pool thread that runs a blocking call: every thread local known to
 * Micrometer's context-propagation (observations and spans, and what other features register, such as the
 * security context), the MDC, and Spring's request attributes.
 */
final class CallContext {

	private static final boolean WEB_PRESENT = ClassUtils.isPresent(
			"org.springframework.web.context.request.RequestContextHolder", CallContext.class.getClassLoader());

	private final ContextSnapshotFactory snapshots = ContextSnapshotFactory.builder().build();

	/**
	 * Runs {@code decision} with the thread locals held in a Reactor context set on this thread, so that what
	 * a reactive call decides at subscription (its timeout, from the request's deadline) sees the request's
	 * context whichever thread subscribes.
	 */
	<T> T fromReactor(ContextView context, Supplier<T> decision) {
		try (ContextSnapshot.Scope scope = this.snapshots.setThreadLocalsFrom(context)) {
			return decision.get();
		}
	}

	<T> Callable<T> wrap(Callable<T> call) {
		ContextSnapshot snapshot = this.snapshots.captureAll();
		Map<String, String> mdc = MDC.getCopyOfContextMap();
		Object request = WEB_PRESENT ? RequestContextHolder.getRequestAttributes() : null;
		return () -> {
			try (ContextSnapshot.Scope scope = snapshot.setThreadLocals()) {
				if (mdc != null) {
					MDC.setContextMap(mdc);
				}
				if (request != null) {
					RequestContextHolder.setRequestAttributes((RequestAttributes) request);
				}
				try {
					return call.call();
				}
				finally {
					// pool threads are reused: leave nothing of this caller behind
					MDC.clear();
					if (request != null) {
						RequestContextHolder.resetRequestAttributes();
					}
				}
			}
		};
	}

}
