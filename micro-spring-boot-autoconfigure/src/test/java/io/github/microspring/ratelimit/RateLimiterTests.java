package io.github.microspring.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.github.bucket4j.ConsumptionProbe;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimiterTests {

	private static final LimitSpec LIMIT = new LimitSpec("orders", 2, 1, Duration.ofSeconds(10),
			Duration.ofMillis(50), null);

	private final Recorder recorder = new Recorder();

	@Test
	void countsAllowedAndRejectedFromTheLocalStore() {
		RateLimiter limiter = limiter(new LocalBucketStore(100), true);
		assertThat(limiter.decide(LIMIT, null).allowed()).isTrue();
		Decision second = limiter.decide(LIMIT, null);
		assertThat(second.allowed()).isTrue();
		assertThat(second.remaining()).isZero();
		Decision third = limiter.decide(LIMIT, null);
		assertThat(third.allowed()).isFalse();
		assertThat(third.answered()).isTrue();
		assertThat(third.nanosToRefill()).isPositive().isLessThanOrEqualTo(TimeUnit.SECONDS.toNanos(10));
		assertThat(this.recorder.events).containsExactly("allowed", "allowed", "rejected");
	}

	@Test
	void failsOpenWithoutThrowingAndCountsEachFailure() {
		FailingStore store = new FailingStore();
		StoreOutage outage = new StoreOutage(Clock.systemUTC(), "open");
		RateLimiter limiter = new RateLimiter(store, true, outage, this.recorder, null);
		Decision decision = limiter.decide(LIMIT, "k");
		assertThat(decision.allowed()).isTrue();
		assertThat(decision.answered()).isFalse();
		assertThat(limiter.decideAsync(LIMIT, "k").join().allowed()).isTrue();
		limiter.take(LIMIT, "k");
		assertThat(this.recorder.events).containsExactly("error", "allowed", "error", "allowed", "error", "allowed");
		assertThat(outage.isDown()).isTrue();
	}

	@Test
	void failsClosedWith503() {
		RateLimiter limiter = new RateLimiter(new FailingStore(), false, new StoreOutage(Clock.systemUTC(), "closed"),
				this.recorder, null);
		Decision decision = limiter.decide(LIMIT, "k");
		assertThat(decision.allowed()).isFalse();
		assertThat(new RateLimitHeaders(new RateLimitProperties.Headers())
			.refused(method(LIMIT), decision)
			.getStatus()).isEqualTo(503);
		assertThatThrownBy(() -> limiter.take(LIMIT, "k")).isInstanceOf(RateLimitExceededException.class)
			.hasMessageContaining("store unavailable")
			.extracting((ex) -> ((RateLimitExceededException) ex).getStatus())
			.isEqualTo(503);
	}

	@Test
	void outageIsReportedOnceAndItsEndOnce() {
		StoreOutage outage = new StoreOutage(Clock.systemUTC(), "open");
		assertThat(outage.failed(new IllegalStateException("down"))).isTrue();
		assertThat(outage.failed(new IllegalStateException("down"))).isFalse();
		assertThat(outage.isDown()).isTrue();
		outage.answered();
		assertThat(outage.isDown()).isFalse();
		assertThat(outage.failed(new IllegalStateException("down again"))).isTrue();
	}

	@Test
	void clientSideFailsAfterMaxWaitWithTheLimitName() {
		RateLimiter limiter = limiter(new LocalBucketStore(100), true);
		limiter.take(LIMIT, null);
		limiter.take(LIMIT, null);
		assertThatThrownBy(() -> limiter.take(LIMIT, null)).isInstanceOf(RateLimitExceededException.class)
			.hasMessage("Rate limit 'orders' exceeded: no token within PT0.05S");
	}

	@Test
	void headersFollowTheIetfDraft() {
		RateLimitHeaders headers = new RateLimitHeaders(new RateLimitProperties.Headers());
		LimitedMethod method = method(new LimitSpec("per \"user\"", 100, 10, Duration.ofSeconds(6), Duration.ZERO,
				null));
		Decision allowed = new Decision(true, true, 42, 0, TimeUnit.MILLISECONDS.toNanos(17_200));
		assertThat(headers.allowed(method, allowed)).containsEntry("RateLimit-Policy", "\"per \\\"user\\\"\";q=100;w=60")
			.containsEntry("RateLimit", "\"per \\\"user\\\"\";r=42;t=18");
		RateLimitExceededException refused = headers.refused(method,
				new Decision(false, true, 0, TimeUnit.MILLISECONDS.toNanos(1_200), TimeUnit.SECONDS.toNanos(60)));
		assertThat(refused.getStatus()).isEqualTo(429);
		assertThat(refused.getHeaders()).containsEntry("Retry-After", "2").containsEntry("RateLimit",
				"\"per \\\"user\\\"\";r=0;t=60");
	}

	@Test
	void eachHeaderCanBeSwitchedOff() {
		RateLimitProperties.Headers enabled = new RateLimitProperties.Headers();
		enabled.setRetryAfter(false);
		enabled.setPolicy(false);
		RateLimitHeaders headers = new RateLimitHeaders(enabled);
		RateLimitExceededException refused = headers.refused(method(LIMIT), new Decision(false, true, 0, 1, 1));
		assertThat(refused.getHeaders()).containsOnlyKeys("RateLimit");
		enabled.setRemaining(false);
		assertThat(headers.allowed(method(LIMIT), new Decision(true, true, 1, 0, 1))).isEmpty();
	}

	@Test
	void keyedLocalBucketsLeaveOnceFullAgain() {
		java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
		LocalBucketStore store = new LocalBucketStore(1000, nanos::get);
		LimitSpec fast = new LimitSpec("fast", 1, 1, Duration.ofMillis(50), Duration.ZERO, "#k");
		for (int i = 0; i < 100; i++) {
			store.tryConsume(fast, "key-" + i);
		}
		assertThat(store.keyedBuckets()).isEqualTo(100);
		nanos.addAndGet(Duration.ofMillis(49).toNanos());
		assertThat(store.keyedBuckets()).isEqualTo(100);
		// Caffeine's timer wheel removes variable expiries about a second late at most
		nanos.addAndGet(Duration.ofSeconds(3).toNanos());
		assertThat(store.keyedBuckets()).isZero();
	}

	@Test
	void keyedLocalBucketsAreBoundedInNumber() {
		LocalBucketStore store = new LocalBucketStore(10);
		LimitSpec slow = new LimitSpec("slow", 1, 1, Duration.ofHours(1), Duration.ZERO, "#k");
		for (int i = 0; i < 1000; i++) {
			store.tryConsume(slow, "key-" + i);
		}
		assertThat(store.keyedBuckets()).isLessThanOrEqualTo(10);
	}

	private RateLimiter limiter(BucketStore store, boolean failOpen) {
		return new RateLimiter(store, failOpen, new StoreOutage(Clock.systemUTC(), "open"), this.recorder, null);
	}

	private static LimitedMethod method(LimitSpec limit) {
		return new LimitedMethod(Object.class.getMethods()[0], limit, null, true, LimitedMethod.Result.PLAIN,
				new org.springframework.core.DefaultParameterNameDiscoverer());
	}

	static final class Recorder implements DecisionListener {

		final List<String> events = new ArrayList<>();

		@Override
		public void allowed(String limit) {
			this.events.add("allowed");
		}

		@Override
		public void rejected(String limit) {
			this.events.add("rejected");
		}

		@Override
		public void storeFailed(String limit, Throwable cause) {
			this.events.add("error");
		}

	}

	static final class FailingStore implements BucketStore {

		@Override
		public ConsumptionProbe tryConsume(LimitSpec limit, String key) {
			throw new StoreUnavailableException("down");
		}

		@Override
		public CompletableFuture<ConsumptionProbe> tryConsumeAsync(LimitSpec limit, String key) {
			return CompletableFuture.failedFuture(new IllegalStateException("timeout"));
		}

		@Override
		public boolean consume(LimitSpec limit, String key, Duration maxWait) {
			throw new StoreUnavailableException("down");
		}

		@Override
		public CompletableFuture<Boolean> consumeLater(LimitSpec limit, String key, Duration maxWait,
				ScheduledExecutorService scheduler) {
			return CompletableFuture.failedFuture(new IllegalStateException("timeout"));
		}

	}

}
