package io.github.microspring.benchmarks.ratelimit;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import io.github.microspring.ratelimit.RateLimitAutoConfiguration;
import io.github.microspring.ratelimit.RateLimited;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * An allowed local decision through {@code @RateLimited} (a call of a proxied bean method, server side, one
 * bucket for the limit, outside any request) against its anchor, a bare Bucket4j {@code Bucket.tryConsume(1)}
 * on a bucket of the same shape. Both buckets never run dry.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class LocalDecisionBenchmarks {

	private static final long CAPACITY = 1_000_000_000_000L;

	/** per second: Bucket4j's highest rate, one token per nanosecond */
	private static final long REFILL = 1_000_000_000L;

	private ConfigurableApplicationContext context;

	private Limited limited;

	private Bucket bare;

	@Setup
	public void setUp() {
		this.context = new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
			.properties("micro.ratelimit.instances.bench.capacity=" + CAPACITY,
					"micro.ratelimit.instances.bench.refill-tokens=" + REFILL,
					"micro.ratelimit.instances.bench.refill-period=1s", "spring.main.banner-mode=off",
					"logging.level.root=warn")
			.run();
		this.limited = this.context.getBean(Limited.class);
		this.bare = Bucket.builder()
			.addLimit(Bandwidth.builder().capacity(CAPACITY).refillGreedy(REFILL, Duration.ofSeconds(1)).build())
			.build();
	}

	@TearDown
	public void tearDown() {
		this.context.close();
	}

	@Benchmark
	public int annotated() {
		return this.limited.call();
	}

	@Benchmark
	public boolean bareTryConsume() {
		return this.bare.tryConsume(1);
	}

	public static void main(String[] args) throws Exception {
		Options options = new OptionsBuilder().include(LocalDecisionBenchmarks.class.getSimpleName()).build();
		Collection<RunResult> results = new Runner(options).run();
		double annotated = 0;
		double bare = 0;
		for (RunResult result : results) {
			String name = result.getParams().getBenchmark();
			double score = medianOfIterations(result);
			if (name.endsWith("annotated")) {
				annotated = score;
			}
			else {
				bare = score;
			}
		}
		System.out.printf("%n@RateLimited %.1f ns/op, bare Bucket.tryConsume(1) %.1f ns/op, ratio %.2fx"
				+ " (medians of the 1 s iterations)%n", annotated, bare, annotated / bare);
	}

	/**
	 * On a shared machine an iteration the scheduler preempted drags the mean far off; the median of the
	 * iterations is what the code costs.
	 */
	private static double medianOfIterations(RunResult result) {
		double[] scores = result.getBenchmarkResults()
			.stream()
			.flatMap((benchmark) -> benchmark.getIterationResults().stream())
			.mapToDouble((iteration) -> iteration.getPrimaryResult().getScore())
			.sorted()
			.toArray();
		return scores[scores.length / 2];
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(RateLimitAutoConfiguration.class)
	public static class Application {

		@Bean
		public Limited limited() {
			return new Limited();
		}

	}

	public static class Limited {

		private int calls;

		@RateLimited(name = "bench", side = RateLimited.Side.SERVER)
		public int call() {
			return ++this.calls;
		}

	}

}
