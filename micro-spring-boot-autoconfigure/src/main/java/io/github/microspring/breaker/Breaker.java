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
 * The Resilience4j objects of one breaker name: the circuit breaker, the time limiter, and the concurrency cap,
 * a semaphore bulkhead for methods that do not block and a thread-pool bulkhead for those that do. Each cap is
 * created on first use, so a breaker only used by blocking methods has no unused semaphore and the other way
 * round.
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
					// no queue, as Hystrix's default maxQueueSize -1: a call beyond the cap is rejected at once
					pool = this.pools.bulkhead(this.name, ThreadPoolBulkheadConfig.custom()
						.coreThreadPoolSize(threads)
						.maxThreadPoolSize(threads)
						.queueCapacity(0)
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
