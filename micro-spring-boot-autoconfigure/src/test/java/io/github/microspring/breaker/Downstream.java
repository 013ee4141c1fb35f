package io.github.microspring.breaker;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A bean whose methods stand for a downstream that a test can make fail, hang or answer, one breaker name per
 * method so each test has its own breaker. Counts the calls that reached it.
 */
public class Downstream {

	/**
	 * What a test controls and sees; kept out of the bean's own fields, which its proxy does not share.
	 */
	public static final class Probe {

		final AtomicInteger entered = new AtomicInteger();

		final AtomicBoolean interrupted = new AtomicBoolean();

		volatile boolean failing;

		volatile CountDownLatch gate = new CountDownLatch(0);

	}

	private final Probe probe;

	public Downstream(Probe probe) {
		this.probe = probe;
	}

	String work() {
		this.probe.entered.incrementAndGet();
		try {
			if (!this.probe.gate.await(60, TimeUnit.SECONDS)) {
				throw new IllegalStateException("gate never opened");
			}
		}
		catch (InterruptedException ex) {
			this.probe.interrupted.set(true);
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted");
		}
		if (this.probe.failing) {
			throw new IllegalStateException("down");
		}
		return "ok";
	}

	Mono<String> reactiveWork() {
		return Mono.fromCallable(this::work).subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic());
	}

	CompletionStage<String> stageWork() {
		return CompletableFuture.supplyAsync(this::work);
	}

	@CircuitBreaker(name = "volume", fallbackMethod = "fallback")
	public String volume() {
		return work();
	}

	@CircuitBreaker(name = "percent", fallbackMethod = "fallback")
	public String percent() {
		return work();
	}

	@CircuitBreaker(name = "trial", fallbackMethod = "fallback")
	public String trial() {
		return work();
	}

	@CircuitBreaker(name = "cap", fallbackMethod = "fallback")
	public String cap() {
		return work();
	}

	@CircuitBreaker(name = "slow", fallbackMethod = "fallback")
	public String slow() {
		return work();
	}

	@CircuitBreaker(name = "rejections", fallbackMethod = "fallback")
	public String rejections() {
		return work();
	}

	@CircuitBreaker(name = "bare")
	public String bare() {
		return work();
	}

	public String fallback(Throwable ex) {
		return "fallback:" + ex.getClass().getSimpleName();
	}

	@CircuitBreaker(name = "mono-percent", fallbackMethod = "monoFallback")
	public Mono<String> monoPercent() {
		return reactiveWork();
	}

	@CircuitBreaker(name = "mono-cap", fallbackMethod = "monoFallback")
	public Mono<String> monoCap() {
		return reactiveWork();
	}

	@CircuitBreaker(name = "mono-slow", fallbackMethod = "monoFallback")
	public Mono<String> monoSlow() {
		return Mono.delay(Duration.ofSeconds(30)).map((tick) -> "late");
	}

	@CircuitBreaker(name = "mono-trial", fallbackMethod = "monoFallback")
	public Mono<String> monoTrial() {
		return reactiveWork();
	}

	public Mono<String> monoFallback(Throwable ex) {
		return Mono.just("fallback:" + ex.getClass().getSimpleName());
	}

	@CircuitBreaker(name = "flux-slow", fallbackMethod = "fluxFallback")
	public Flux<String> fluxSlow() {
		// the first element in time, the stream as a whole not: the timeout is for the whole call
		return Flux.interval(Duration.ofMillis(100)).map((tick) -> "tick").take(100);
	}

	public Flux<String> fluxFallback(Throwable ex) {
		return Flux.just("fallback:" + ex.getClass().getSimpleName());
	}

	@CircuitBreaker(name = "stage-percent", fallbackMethod = "stageFallback")
	public CompletionStage<String> stagePercent() {
		return stageWork();
	}

	@CircuitBreaker(name = "stage-cap", fallbackMethod = "stageFallback")
	public CompletionStage<String> stageCap() {
		return stageWork();
	}

	@CircuitBreaker(name = "stage-slow", fallbackMethod = "stageFallback")
	public CompletableFuture<String> stageSlow() {
		return new CompletableFuture<>();
	}

	@CircuitBreaker(name = "stage-trial", fallbackMethod = "stageFallback")
	public CompletionStage<String> stageTrial() {
		return stageWork();
	}

	public CompletableFuture<String> stageFallback(Throwable ex) {
		return CompletableFuture.completedFuture("fallback:" + ex.getClass().getSimpleName());
	}

}
