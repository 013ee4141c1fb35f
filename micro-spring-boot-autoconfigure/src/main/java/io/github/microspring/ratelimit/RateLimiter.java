package io.github.microspring.ratelimit;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;

import io.github.bucket4j.ConsumptionProbe;

/**
 * Asks the store for tokens and turns its failures into the failure mode: never an exception of the store
 * reaching the caller, each failure counted, one log line per outage.
 */
class RateLimiter {

	private final BucketStore store;

	private final boolean failOpen;

	private final StoreOutage outage;

	private final DecisionListener listener;

	private final ScheduledExecutorService scheduler;

	RateLimiter(BucketStore store, boolean failOpen, StoreOutage outage, DecisionListener listener,
			ScheduledExecutorService scheduler) {
		this.store = store;
		this.failOpen = failOpen;
		this.outage = outage;
		this.listener = listener;
		this.scheduler = scheduler;
	}

	/**
	 * Server side: takes a token if there is one, without waiting.
	 */
	Decision decide(LimitSpec limit, String key) {
		ConsumptionProbe probe;
		try {
			probe = this.store.tryConsume(limit, key);
		}
		catch (RuntimeException ex) {
			return storeFailed(limit, ex);
		}
		return answered(limit, probe);
	}

	CompletableFuture<Decision> decideAsync(LimitSpec limit, String key) {
		CompletableFuture<ConsumptionProbe> probe;
		try {
			probe = this.store.tryConsumeAsync(limit, key);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.completedFuture(storeFailed(limit, ex));
		}
		return probe.handle((result, ex) -> (ex != null) ? storeFailed(limit, ex) : answered(limit, result));
	}

	/**
	 * Client side: waits up to the limit's {@code max-wait} for a token.
	 * @throws RateLimitExceededException when no token comes in time, or the store fails closed
	 */
	void take(LimitSpec limit, String key) {
		boolean taken;
		try {
			taken = this.store.consume(limit, key, limit.maxWait());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw noToken(limit, "interrupted while waiting");
		}
		catch (RuntimeException ex) {
			admitOrThrow(storeFailed(limit, ex), limit);
			return;
		}
		admitOrThrow(taken(limit, taken), limit);
	}

	CompletableFuture<Void> takeAsync(LimitSpec limit, String key) {
		CompletableFuture<Boolean> taken;
		try {
			taken = this.store.consumeLater(limit, key, limit.maxWait(), this.scheduler);
		}
		catch (RuntimeException ex) {
			taken = CompletableFuture.failedFuture(ex);
		}
		return taken.handle((result, ex) -> {
			admitOrThrow((ex != null) ? storeFailed(limit, ex) : taken(limit, result), limit);
			return null;
		});
	}

	private void admitOrThrow(Decision decision, LimitSpec limit) {
		if (decision.allowed()) {
			return;
		}
		throw decision.answered() ? noToken(limit, "no token within " + limit.maxWait())
				: new RateLimitExceededException("Rate limit '" + limit.name() + "' cannot be checked: store unavailable",
						limit.name(), 503, Map.of());
	}

	private RateLimitExceededException noToken(LimitSpec limit, String why) {
		return new RateLimitExceededException("Rate limit '" + limit.name() + "' exceeded: " + why, limit.name(), 429,
				Map.of());
	}

	private Decision taken(LimitSpec limit, boolean taken) {
		this.outage.answered();
		if (taken) {
			this.listener.allowed(limit.name());
			return new Decision(true, true, 0, 0, 0);
		}
		this.listener.rejected(limit.name());
		return new Decision(false, true, 0, 0, 0);
	}

	private Decision answered(LimitSpec limit, ConsumptionProbe probe) {
		if (this.outage.isDown()) {
			this.outage.answered();
		}
		if (probe.isConsumed()) {
			this.listener.allowed(limit.name());
		}
		else {
			this.listener.rejected(limit.name());
		}
		return Decision.of(probe);
	}

	private Decision storeFailed(LimitSpec limit, Throwable ex) {
		Throwable cause = (ex instanceof CompletionException && ex.getCause() != null) ? ex.getCause() : ex;
		this.outage.failed(cause);
		this.listener.storeFailed(limit.name(), cause);
		if (this.failOpen) {
			this.listener.allowed(limit.name());
		}
		else {
			this.listener.rejected(limit.name());
		}
		return Decision.storeFailed(this.failOpen);
	}

}
