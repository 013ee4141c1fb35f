package io.github.microspring.benchmarks.breaker;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.ThreadPoolBulkhead;
import io.github.resilience4j.bulkhead.ThreadPoolBulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import io.github.microspring.breaker.BreakerAutoConfiguration;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Cost per call of a method under {@code @CircuitBreaker} (breaker closed) against the same method decorated by
 * hand with Resilience4j's own {@code decorate*} methods and the same breaker, bulkhead and time limiter settings, for a
 * {@code CompletionStage} method (semaphore bulkhead, the timeout scheduled per call) and a blocking method (run on
 * the thread-pool bulkhead, the caller waiting at most the timeout). Then a blocking method that waits 1 ms, 16
 * callers: throughput under the annotation against no breaker at all.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BreakerBenchmarks {

	private ConfigurableApplicationContext context;

	private Calls annotated;

	private final Calls plain = new Calls();

	private CircuitBreaker breaker;

	private Bulkhead bulkhead;

	private ThreadPoolBulkhead pool;

	private TimeLimiter timeLimiter;

	private ScheduledExecutorService scheduler;

	private long value;

	private Supplier<CompletionStage<Long>> stageByHand;

	private Supplier<CompletionStage<Long>> blockingByHand;

	@Setup(Level.Trial)
	public void start() {
		this.context = new SpringApplicationBuilder(CallsConfiguration.class, BreakerAutoConfiguration.class)
			.web(WebApplicationType.NONE)
			.properties("spring.main.banner-mode=off", "logging.level.root=WARN",
					"micro.breaker.defaults.max-concurrent-requests=16")
			.run();
		this.annotated = this.context.getBean(Calls.class);
		// Hystrix's defaults, as micro.breaker.defaults maps them
		this.breaker = CircuitBreaker.of("hand", CircuitBreakerConfig.custom()
			.slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
			.slidingWindowSize(10)
			.minimumNumberOfCalls(20)
			.failureRateThreshold(50)
			.waitDurationInOpenState(Duration.ofSeconds(5))
			.permittedNumberOfCallsInHalfOpenState(1)
			.build());
		this.bulkhead = Bulkhead.of("hand",
				BulkheadConfig.custom().maxConcurrentCalls(16).maxWaitDuration(Duration.ZERO).build());
		this.pool = ThreadPoolBulkhead.of("hand", ThreadPoolBulkheadConfig.custom()
			.coreThreadPoolSize(16)
			.maxThreadPoolSize(16)
			.queueCapacity(16)
			.build());
		this.timeLimiter = TimeLimiter.of("hand", TimeLimiterConfig.custom().timeoutDuration(Duration.ofSeconds(1)).build());
		this.scheduler = Executors.newSingleThreadScheduledExecutor();
		// decorated once, innermost first, as Resilience4j's Decorators builder does it
		this.stageByHand = CircuitBreaker.decorateCompletionStage(this.breaker, Bulkhead.decorateCompletionStage(
				this.bulkhead,
				this.timeLimiter.decorateCompletionStage(this.scheduler, () -> this.plain.stage(this.value++))));
		this.blockingByHand = CircuitBreaker.decorateCompletionStage(this.breaker,
				Bulkhead.decorateCompletionStage(this.bulkhead, this.timeLimiter.decorateCompletionStage(this.scheduler,
						this.pool.decorateSupplier(() -> this.plain.blocking(this.value++)))));
	}

	@TearDown(Level.Trial)
	public void stop() throws Exception {
		this.context.close();
		this.pool.close();
		this.scheduler.shutdownNow();
	}

	@Benchmark
	@BenchmarkMode(Mode.AverageTime)
	@OutputTimeUnit(TimeUnit.NANOSECONDS)
	public Long stageAnnotated() {
		return this.annotated.stage(this.value++).toCompletableFuture().join();
	}

	@Benchmark
	@BenchmarkMode(Mode.AverageTime)
	@OutputTimeUnit(TimeUnit.NANOSECONDS)
	public Long stageByHand() {
		return this.stageByHand.get().toCompletableFuture().join();
	}

	@Benchmark
	@BenchmarkMode(Mode.AverageTime)
	@OutputTimeUnit(TimeUnit.NANOSECONDS)
	public long blockingAnnotated() {
		return this.annotated.blocking(this.value++);
	}

	@Benchmark
	@BenchmarkMode(Mode.AverageTime)
	@OutputTimeUnit(TimeUnit.NANOSECONDS)
	public Long blockingByHand() {
		return this.blockingByHand.get().toCompletableFuture().join();
	}

	@Benchmark
	@BenchmarkMode(Mode.Throughput)
	@OutputTimeUnit(TimeUnit.SECONDS)
	@Threads(16)
	public long waitingAnnotated() throws InterruptedException {
		return this.annotated.waiting();
	}

	@Benchmark
	@BenchmarkMode(Mode.Throughput)
	@OutputTimeUnit(TimeUnit.SECONDS)
	@Threads(16)
	public long waitingPlain() throws InterruptedException {
		return this.plain.waiting();
	}

	public static class Calls {

		@io.github.microspring.breaker.CircuitBreaker(name = "stage")
		public CompletionStage<Long> stage(long value) {
			return CompletableFuture.completedFuture(value + 1);
		}

		@io.github.microspring.breaker.CircuitBreaker(name = "blocking")
		public long blocking(long value) {
			return value + 1;
		}

		/**
		 * A blocking call of a millisecond, well under the timeout: a fast downstream.
		 */
		@io.github.microspring.breaker.CircuitBreaker(name = "waiting")
		public long waiting() throws InterruptedException {
			Thread.sleep(1);
			return 1;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CallsConfiguration {

		@Bean
		Calls calls() {
			return new Calls();
		}

	}

	/**
	 * Runs all with the GC profiler and prints each figure beside its anchor.
	 */
	public static void main(String[] args) throws Exception {
		Options options = new OptionsBuilder().include(BreakerBenchmarks.class.getName() + "\\.")
			.addProfiler(GCProfiler.class)
			.build();
		Collection<RunResult> results = new Runner(options).run();
		System.out.println();
		System.out.printf("%-9s %14s %14s %10s %10s %8s%n", "method", "annotated ns", "by hand ns", "annot. B",
				"hand B", "ratio");
		for (String kind : new String[] { "stage", "blocking" }) {
			RunResult ours = find(results, kind + "Annotated");
			RunResult hand = find(results, kind + "ByHand");
			if (ours != null && hand != null) {
				System.out.printf("%-9s %14.1f %14.1f %10.0f %10.0f %7.2fx%n", kind, score(ours), score(hand),
						allocation(ours), allocation(hand), score(ours) / score(hand));
			}
		}
		RunResult waitingOurs = find(results, "waitingAnnotated");
		RunResult waitingPlain = find(results, "waitingPlain");
		if (waitingOurs != null && waitingPlain != null) {
			System.out.printf("%nblocking 1 ms, 16 callers: annotated %.0f calls/s, no breaker %.0f calls/s, %.1f %%%n",
					score(waitingOurs), score(waitingPlain), 100 * score(waitingOurs) / score(waitingPlain));
		}
	}

	private static RunResult find(Collection<RunResult> results, String method) {
		return results.stream()
			.filter((r) -> r.getParams().getBenchmark().endsWith("." + method))
			.findFirst()
			.orElse(null);
	}

	private static double score(RunResult result) {
		return result.getPrimaryResult().getScore();
	}

	private static double allocation(RunResult result) {
		Result<?> norm = result.getSecondaryResults().get("·gc.alloc.rate.norm");
		if (norm == null) {
			norm = result.getSecondaryResults().get("gc.alloc.rate.norm");
		}
		return (norm != null) ? norm.getScore() : Double.NaN;
	}

}
