package io.github.microspring.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

import io.github.bucket4j.ConsumptionProbe;

/**
 * Where the buckets of the limits live. A key of {@code null} is the one bucket of a limit without a key
 * expression. Methods of a store that cannot reach its backend throw, or complete exceptionally; the
 * {@link RateLimiter} turns that into the configured failure mode.
 */
interface BucketStore {

	/**
	 * Takes one token if there is one, without waiting.
	 */
	ConsumptionProbe tryConsume(LimitSpec limit, String key);

	/**
	 * {@link #tryConsume} without blocking the calling thread.
	 */
	CompletableFuture<ConsumptionProbe> tryConsumeAsync(LimitSpec limit, String key);

	/**
	 * Takes one token, parking the calling thread until it is there, if that is within {@code maxWait}.
	 * @return whether a token was taken
	 */
	boolean consume(LimitSpec limit, String key, Duration maxWait) throws InterruptedException;

	/**
	 * {@link #consume} completing on {@code scheduler} once the token is there, without blocking a thread.
	 */
	CompletableFuture<Boolean> consumeLater(LimitSpec limit, String key, Duration maxWait,
			ScheduledExecutorService scheduler);

}
