package io.github.microspring.ratelimit;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;

/**
 * Buckets in this application: one per limit without a key, and keyed ones in a Caffeine cache bounded in
 * size, where a bucket leaves once untouched for as long as it takes to be full again (then it equals a new
 * one, so nothing is lost).
 */
class LocalBucketStore implements BucketStore {

	private final Map<String, Bucket> unkeyed = new ConcurrentHashMap<>();

	private final Cache<BucketKey, KeyedBucket> keyed;

	LocalBucketStore(long maxBuckets) {
		this(maxBuckets, Ticker.systemTicker());
	}

	/**
	 * @param ticker the time a keyed bucket's idleness is measured in
	 */
	LocalBucketStore(long maxBuckets, Ticker ticker) {
		this.keyed = Caffeine.newBuilder()
			.maximumSize(maxBuckets)
			.expireAfter(new RefillExpiry())
			.ticker(ticker)
			.build();
	}

	@Override
	public ConsumptionProbe tryConsume(LimitSpec limit, String key) {
		return bucket(limit, key).tryConsumeAndReturnRemaining(1);
	}

	@Override
	public CompletableFuture<ConsumptionProbe> tryConsumeAsync(LimitSpec limit, String key) {
		return CompletableFuture.completedFuture(tryConsume(limit, key));
	}

	@Override
	public boolean consume(LimitSpec limit, String key, Duration maxWait) throws InterruptedException {
		return bucket(limit, key).asBlocking().tryConsume(1, maxWait);
	}

	@Override
	public CompletableFuture<Boolean> consumeLater(LimitSpec limit, String key, Duration maxWait,
			ScheduledExecutorService scheduler) {
		return bucket(limit, key).asScheduler().tryConsume(1, maxWait.toNanos(), scheduler);
	}

	long keyedBuckets() {
		this.keyed.cleanUp();
		return this.keyed.estimatedSize();
	}

	private Bucket bucket(LimitSpec limit, String key) {
		if (key == null) {
			Bucket bucket = this.unkeyed.get(limit.name());
			return (bucket != null) ? bucket
					: this.unkeyed.computeIfAbsent(limit.name(), (name) -> newBucket(limit));
		}
		return this.keyed
			.get(new BucketKey(limit.name(), key),
					(bucketKey) -> new KeyedBucket(newBucket(limit), limit.timeToRefillFully().toNanos()))
			.bucket();
	}

	private static Bucket newBucket(LimitSpec limit) {
		return Bucket.builder().addLimit(limit.bandwidth()).build();
	}

	private record BucketKey(String limit, String key) {
	}

	private record KeyedBucket(Bucket bucket, long idleNanos) {
	}

	private static final class RefillExpiry implements Expiry<BucketKey, KeyedBucket> {

		@Override
		public long expireAfterCreate(BucketKey key, KeyedBucket value, long currentTime) {
			return value.idleNanos();
		}

		@Override
		public long expireAfterUpdate(BucketKey key, KeyedBucket value, long currentTime, long currentDuration) {
			return value.idleNanos();
		}

		@Override
		public long expireAfterRead(BucketKey key, KeyedBucket value, long currentTime, long currentDuration) {
			return value.idleNanos();
		}

	}

}
