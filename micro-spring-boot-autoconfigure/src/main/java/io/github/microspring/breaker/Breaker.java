package io.github.microspring.breaker;

import java.time.Duration;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.bulkhead.ThreadPoolBulkhead;
import io.github.resilience4j.bulkhead.ThreadPoolBulkheadConfig;
import io.github.resilience4j.bulkhead.ThreadPoolBulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.timelimiter.TimeLimiter;

/**
 * The Resilience4j objects of one breaker name: the circuit breaker, the time limiter, the concurrency cap (a
 * semaphore bulkhead) and, for methods that block, the thread-pool bulkhead they run on. The pool is created on
 * first use, so a breaker of methods that do not block has no idle pool.
 */
final class Breaker {

	private final String name;

	private final BreakerProperties.Settings settings;

	private final CircuitBreaker circuitBreaker;

	private final TimeLimiter timeLimiter;

	private final BulkheadRegistry bulkheads;

	private final ThreadPoolBulkheadRegistry pools;

	private volatile Bulkhead bulkhead;

	private volatile ThreadPoolBulkhead pool;

	Breaker(String name, BreakerProperties.Settings settings, CircuitBreaker circuitBreaker, TimeLimiter timeLimiter,
			BulkheadRegistry bulkheads, ThreadPoolBulkheadRegistry pools) {
		this.name = name;
		this.settings = settings;
		this.circuitBreaker = circuitBreaker;
		this.timeLimiter = timeLimiter;
		this.bulkheads = bulkheads;
		this.pools = pools;
	}

	String name() {
		return this.name;
	}

	BreakerProperties.Settings settings() {
		return this.settings;
	}

	Duration timeout() {
		return this.settings.getTimeout();
	}

	CircuitBreaker circuitBreaker() {
		return this.circuitBreaker;
	}

	TimeLimiter timeLimiter() {
		return this.timeLimiter;
	}

	Bulkhead bulkhead() {
		Bulkhead bulkhead = this.bulkhead;
		if (bulkhead == null) {
			synchronized (this) {
				bulkhead = this.bulkhead;
				if (bulkhead == null) {
					bulkhead = this.bulkheads.bulkhead(this.name, BulkheadConfig.custom()
						.maxConcurrentCalls(this.settings.getMaxConcurrentRequests())
						.maxWaitDuration(Duration.ZERO)
						.build());
					this.bulkhead = bulkhead;
				}
			}
		}
		return bulkhead;
	}

	ThreadPoolBulkhead pool() {
		ThreadPoolBulkhead pool = this.pool;
		if (pool == null) {
			synchronized (this) {
				pool = this.pool;
				if (pool == null) {
					int threads = this.settings.getMaxConcurrentRequests();
					// The semaphore caps the calls; the queue only absorbs the moment between a thread finishing
					// one call and taking the next, which a queue-less pool (Hystrix's maxQueueSize -1) rejects.
					pool = this.pools.bulkhead(this.name, ThreadPoolBulkheadConfig.custom()
						.coreThreadPoolSize(threads)
						.maxThreadPoolSize(threads)
						.queueCapacity(threads)
						.build());
					this.pool = pool;
				}
			}
		}
		return pool;
	}

	/**
	 * The thread-pool bulkhead if one was made, to be closed with the application.
	 */
	ThreadPoolBulkhead poolIfCreated() {
		return this.pool;
	}

}
