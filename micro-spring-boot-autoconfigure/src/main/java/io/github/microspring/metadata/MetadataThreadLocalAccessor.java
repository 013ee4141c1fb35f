package io.github.microspring.metadata;

import io.micrometer.context.ThreadLocalAccessor;

import org.springframework.lang.Nullable;

/**
 * Lets Micrometer's context propagation carry {@link Metadata} across threads: Reactor operators, executors
 * decorated with {@code ContextPropagatingTaskDecorator} or {@code ContextExecutorService}. Registered through
 * {@code META-INF/services}, so it works without tracing and without a Spring context.
 */
public class MetadataThreadLocalAccessor implements ThreadLocalAccessor<Metadata> {

	/**
	 * Key of the metadata in the Reactor context.
	 */
	public static final String KEY = "micro.metadata";

	@Override
	public Object key() {
		return KEY;
	}

	@Override
	@Nullable
	public Metadata getValue() {
		return Metadata.bound();
	}

	@Override
	public void setValue(Metadata value) {
		Metadata.set(value);
	}

	@Override
	public void setValue() {
		Metadata.set(null);
	}

}
