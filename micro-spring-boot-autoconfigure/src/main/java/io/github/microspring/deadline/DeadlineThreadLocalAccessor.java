package io.github.microspring.deadline;

import io.micrometer.context.ThreadLocalAccessor;

import org.springframework.lang.Nullable;

/**
 * Lets Micrometer's context propagation carry the {@link Deadline} across threads. Registered through
 * {@code META-INF/services}.
 */
public class DeadlineThreadLocalAccessor implements ThreadLocalAccessor<Deadline> {

	/**
	 * Key of the deadline in the Reactor context.
	 */
	public static final String KEY = "micro.deadline";

	@Override
	public Object key() {
		return KEY;
	}

	@Override
	@Nullable
	public Deadline getValue() {
		return Deadline.bound();
	}

	@Override
	public void setValue(Deadline value) {
		Deadline.set(value);
	}

	@Override
	public void setValue() {
		Deadline.set(null);
	}

}
