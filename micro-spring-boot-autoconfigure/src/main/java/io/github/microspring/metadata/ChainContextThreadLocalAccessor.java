package io.github.microspring.metadata;

import io.micrometer.context.ThreadLocalAccessor;

import org.springframework.lang.Nullable;

/**
 * Lets Micrometer's context propagation carry the {@link ChainContext} (metadata and deadline) across threads:
 * Reactor operators, executors decorated with {@code ContextPropagatingTaskDecorator} or
 * {@code ContextExecutorService}. Registered through {@code META-INF/services}, so it works without tracing and
 * without a Spring context.
 */
public class ChainContextThreadLocalAccessor implements ThreadLocalAccessor<ChainContext> {

	/**
	 * Key of the {@link ChainContext} in the Reactor context.
	 */
	public static final String KEY = "micro.chain";

	@Override
	public Object key() {
		return KEY;
	}

	@Override
	@Nullable
	public ChainContext getValue() {
		return ChainContext.bound();
	}

	/**
	 * Context propagation sets the value at every restore point of a reactive request and sets the previous one
	 * back after it; most of the time the thread holds that value already, and reading is cheaper than writing.
	 */
	@Override
	public void setValue(ChainContext value) {
		if (ChainContext.bound() != value) {
			ChainContext.set(value);
		}
	}

	@Override
	public void setValue() {
		if (ChainContext.bound() != null) {
			ChainContext.set(null);
		}
	}

}
