package io.github.microspring.deadline;

import java.time.Duration;
import java.util.function.LongSupplier;

import io.github.microspring.metadata.ChainContext;

import org.springframework.lang.Nullable;

/**
 * A point in time after which the work of the current call chain is no longer wanted: gRPC's deadline,
 * go-micro's timeout budget. Kept on the monotonic clock of this JVM; it travels between hosts as the
 * budget left, so clock skew does not matter. Readable anywhere with {@link #current()}, across thread hops
 * as {@code Metadata} is.
 */
public final class Deadline {

	private final LongSupplier nanoTime;

	private final long expiresAt;

	private Deadline(LongSupplier nanoTime, long expiresAt) {
		this.nanoTime = nanoTime;
		this.expiresAt = expiresAt;
	}

	/**
	 * A deadline {@code budget} from now.
	 */
	public static Deadline after(Duration budget) {
		return after(budget, System::nanoTime);
	}

	static Deadline after(Duration budget, LongSupplier nanoTime) {
		return new Deadline(nanoTime, nanoTime.getAsLong() + budget.toNanos());
	}

	/**
	 * The deadline of the call being served on this thread (or whose context was carried to it), or
	 * {@code null} when it has none.
	 */
	@Nullable
	public static Deadline current() {
		return ChainContext.current().deadline();
	}

	/**
	 * The smaller of {@code timeout} and what is left of the current deadline (zero when it is spent); the
	 * timeout itself when there is no deadline. For timeouts of one's own, such as a circuit breaker's.
	 */
	public static Duration timeout(Duration timeout) {
		Deadline deadline = current();
		if (deadline == null) {
			return timeout;
		}
		Duration remaining = deadline.remaining();
		return (remaining.compareTo(timeout) < 0) ? remaining : timeout;
	}

	/**
	 * What is left, zero once spent.
	 */
	public Duration remaining() {
		long left = this.expiresAt - this.nanoTime.getAsLong();
		return (left > 0) ? Duration.ofNanos(left) : Duration.ZERO;
	}

	public boolean isExpired() {
		return this.expiresAt - this.nanoTime.getAsLong() <= 0;
	}

	/**
	 * Throws when the deadline is spent.
	 * @param what the work that is not done, for the message
	 */
	public void check(String what) {
		if (isExpired()) {
			throw new DeadlineExceededException("Deadline exceeded before " + what);
		}
	}

	/**
	 * Makes this the current deadline until the returned scope is closed.
	 */
	public Scope open() {
		ChainContext.Scope scope = ChainContext.current().withDeadline(this).open();
		return scope::close;
	}

	@Override
	public String toString() {
		return "Deadline[remaining=" + remaining().toMillis() + "ms]";
	}

	/**
	 * Restores the deadline that was current before {@link #open()}.
	 */
	@FunctionalInterface
	public interface Scope extends AutoCloseable {

		@Override
		void close();

	}

}
