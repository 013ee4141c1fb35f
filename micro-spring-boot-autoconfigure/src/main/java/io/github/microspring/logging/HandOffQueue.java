package io.github.microspring.logging;

import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The bounded queue between the logging threads and the one sender thread. An offer takes no lock, so it never
 * waits behind the sender draining thousands of events (an {@code ArrayBlockingQueue} holds its lock for a whole
 * {@code drainTo}); and it wakes the sender only when the sender has asked to be woken, which a steady stream of
 * events never lets it do: after the queue runs empty, the sender first lingers a millisecond without asking.
 *
 * @param <E> captured log event
 */
final class HandOffQueue<E> {

	/** How long the sender waits for more events before it asks the logging threads to wake it. */
	private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	private final ConcurrentLinkedQueue<E> events = new ConcurrentLinkedQueue<>();

	/** Events offered and not yet drained; may count an offer a moment before its event is in the queue. */
	private final AtomicInteger size = new AtomicInteger();

	private final int capacity;

	/** The sender while it waits to be woken by an offer. */
	private volatile Thread waiter;

	HandOffQueue(int capacity) {
		this.capacity = capacity;
	}

	/**
	 * Adds the event unless the queue is full; never waits.
	 */
	boolean offer(E event) {
		if (this.size.getAndIncrement() >= this.capacity) {
			this.size.decrementAndGet();
			return false;
		}
		this.events.offer(event);
		Thread sender = this.waiter;
		if (sender != null) {
			LockSupport.unpark(sender);
		}
		return true;
	}

	/**
	 * Moves up to {@code max} events, oldest first, into {@code into}. Sender thread only.
	 * @return how many were moved
	 */
	int drainTo(Collection<? super E> into, int max) {
		int count = 0;
		E event;
		while (count < max && (event = this.events.poll()) != null) {
			into.add(event);
			count++;
		}
		if (count > 0) {
			this.size.addAndGet(-count);
		}
		return count;
	}

	/**
	 * Returns once an event is queued, or after about {@code timeoutNanos}. Sender thread only.
	 */
	void await(long timeoutNanos) {
		if (!this.events.isEmpty()) {
			return;
		}
		long linger = Math.min(LINGER_NANOS, timeoutNanos);
		LockSupport.parkNanos(linger);
		if (!this.events.isEmpty() || timeoutNanos <= linger) {
			return;
		}
		// publish the waiter before looking again: an offer either sees it and wakes us, or is seen here
		this.waiter = Thread.currentThread();
		try {
			if (this.events.isEmpty()) {
				LockSupport.parkNanos(timeoutNanos - linger);
			}
		}
		finally {
			this.waiter = null;
		}
	}

	boolean isEmpty() {
		return this.events.isEmpty();
	}

	int size() {
		return Math.max(0, this.size.get());
	}

	int remainingCapacity() {
		return this.capacity - size();
	}

}
