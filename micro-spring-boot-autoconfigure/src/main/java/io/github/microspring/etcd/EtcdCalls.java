package io.github.microspring.etcd;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Deadlines and backoff shared by everything that calls etcd.
 */
public final class EtcdCalls {

	private EtcdCalls() {
	}

	/**
	 * Waits for an etcd call, never longer than its deadline. Use it for calls whose late answer leaves
	 * nothing behind (reads, revokes); for calls that create something, see
	 * {@link #await(CompletableFuture, Duration, Consumer)}.
	 * @param call the call under way
	 * @param deadline how long to wait
	 * @param <T> the answer's type
	 * @return the answer
	 * @throws Exception the call's own failure, or a {@link TimeoutException} naming the deadline
	 */
	public static <T> T await(CompletableFuture<T> call, Duration deadline) throws Exception {
		return await(call, deadline, (late) -> {
		});
	}

	/**
	 * Waits for an etcd call, never longer than its deadline, and hands an answer that arrives after we
	 * gave up to {@code lateAnswer}. Giving up does not stop the call: jetcd's futures are not wired to
	 * the gRPC call, so a timed-out lease grant or put may still land in etcd, and only its answer says
	 * what to clean up.
	 * @param call the call under way
	 * @param deadline how long to wait
	 * @param lateAnswer receives an answer that arrives after the deadline passed or the waiting thread was
	 * interrupted; it runs on jetcd's event loop and must not block
	 * @param <T> the answer's type
	 * @return the answer
	 * @throws Exception the call's own failure, a {@link TimeoutException} naming the deadline, or an
	 * {@link InterruptedException}
	 */
	public static <T> T await(CompletableFuture<T> call, Duration deadline, Consumer<? super T> lateAnswer)
			throws Exception {
		try {
			return call.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof Exception cause) ? cause : ex;
		}
		catch (TimeoutException ex) {
			call.thenAccept(lateAnswer);
			throw new TimeoutException("no answer from etcd within " + deadline.toMillis() + " ms");
		}
		catch (InterruptedException ex) {
			call.thenAccept(lateAnswer);
			throw ex;
		}
	}

	/**
	 * One line for logs and health details saying why an etcd call failed; where the cause lies in the
	 * configuration (TLS, authentication), it names the properties to check.
	 * @param failure the failure of an etcd call
	 * @return the description
	 */
	public static String describe(Throwable failure) {
		return failure.getClass().getSimpleName() + ": " + failure.getMessage();
	}

	/**
	 * Delay before attempt {@code attempt + 1}: doubling from {@code min} up to {@code max}, then a random
	 * point in the upper half of that step, so a fleet restarted together spreads out.
	 * @param min first step
	 * @param max largest step
	 * @param attempt failed attempts so far, from 0
	 * @return the delay in milliseconds
	 */
	public static long backoffMillis(Duration min, Duration max, int attempt) {
		long base = Math.min(max.toMillis(), min.toMillis() << Math.min(attempt, 16));
		return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
	}

}
