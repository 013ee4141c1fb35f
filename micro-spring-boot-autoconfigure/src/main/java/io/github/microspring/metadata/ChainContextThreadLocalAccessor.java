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

	@Override
	public void setValue(ChainContext value) {
		ChainContext.set(value);
	}

	@Override
	public void setValue() {
		ChainContext.set(null);
	}

}
