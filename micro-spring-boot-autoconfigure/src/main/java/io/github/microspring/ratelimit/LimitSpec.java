package io.github.microspring.ratelimit;

import java.math.BigInteger;
import java.time.Duration;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;

/**
 * The merged settings of one limit, and what follows from them.
 *
 * @param name the limit name
 * @param capacity most tokens a bucket holds
 * @param refillTokens tokens added per refill period, greedily
 * @param refillPeriod the refill period
 * @param maxWait longest client-side wait for a token
 * @param key the key expression from the properties, or {@code null}
 */
record LimitSpec(String name, long capacity, long refillTokens, Duration refillPeriod, Duration maxWait,
		String key) {

	Bandwidth bandwidth() {
		return Bandwidth.builder().capacity(this.capacity).refillGreedy(this.refillTokens, this.refillPeriod).build();
	}

	BucketConfiguration configuration() {
		return BucketConfiguration.builder().addLimit(bandwidth()).build();
	}

	/**
	 * @return how long an empty bucket takes to be full again; a bucket untouched that long equals a new one
	 */
	Duration timeToRefillFully() {
		BigInteger nanos = BigInteger.valueOf(this.refillPeriod.toNanos())
			.multiply(BigInteger.valueOf(this.capacity))
			.add(BigInteger.valueOf(this.refillTokens - 1))
			.divide(BigInteger.valueOf(this.refillTokens));
		return Duration.ofNanos(nanos.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue());
	}

}
