package io.github.microspring.metadata;

import io.github.microspring.deadline.Deadline;

import org.springframework.lang.Nullable;

/**
 * What a request carries along its call chain, its {@link Metadata} and its {@link Deadline}, as one value: one
 * Reactor context entry and one thread-local for both. Context propagation sets and restores every registered
 * thread-local at each of the many restore points of a reactive request, and Reactor copies its context into a
 * map past five entries; one key instead of two halves the first cost and keeps most requests under the second.
 * Immutable. Applications read it through {@link Metadata#current()} and {@link Deadline#current()}.
 */
public final class ChainContext {

	private static final ChainContext EMPTY = new ChainContext(Metadata.empty(), null);

	private static final ThreadLocal<ChainContext> current = new ThreadLocal<>();

	private final Metadata metadata;

	@Nullable
	private final Deadline deadline;

	private ChainContext(Metadata metadata, @Nullable Deadline deadline) {
		this.metadata = metadata;
		this.deadline = deadline;
	}

	public static ChainContext of(Metadata metadata, @Nullable Deadline deadline) {
		return (metadata.isEmpty() && deadline == null) ? EMPTY : new ChainContext(metadata, deadline);
	}

	/**
	 * The context of the request being served on this thread (or whose context was carried to it), empty when
	 * there is none.
	 */
	public static ChainContext current() {
		ChainContext context = current.get();
		return (context != null) ? context : EMPTY;
	}

	public Metadata metadata() {
		return this.metadata;
	}

	@Nullable
	public Deadline deadline() {
		return this.deadline;
	}

	/**
	 * A copy with other metadata and this deadline.
	 */
	public ChainContext withMetadata(Metadata metadata) {
		return (metadata == this.metadata) ? this : of(metadata, this.deadline);
	}

	/**
	 * A copy with another deadline and this metadata.
	 */
	public ChainContext withDeadline(@Nullable Deadline deadline) {
		return (deadline == this.deadline) ? this : of(this.metadata, deadline);
	}

	public boolean isEmpty() {
		return this == EMPTY;
	}

	/**
	 * Makes this the current context until the returned scope is closed, for work that starts outside a request
	 * (a scheduled job, a test) or a filter that binds a request to its thread.
	 */
	public Scope open() {
		ChainContext previous = current.get();
		set(this);
		return () -> set(previous);
	}

	@Nullable
	static ChainContext bound() {
		return current.get();
	}

	/**
	 * Context propagation sets and clears this on every thread hop of every request: clearing keeps the
	 * thread's entry (holding null) rather than removing it, so that neither the next read nor the next set
	 * allocates one.
	 */
	static void set(@Nullable ChainContext context) {
		current.set(context);
	}

	@Override
	public String toString() {
		return "ChainContext[" + this.metadata + ", " + this.deadline + "]";
	}

	/**
	 * Restores the context that was current before {@link #open()}.
	 */
	@FunctionalInterface
	public interface Scope extends AutoCloseable {

		@Override
		void close();

	}

}
