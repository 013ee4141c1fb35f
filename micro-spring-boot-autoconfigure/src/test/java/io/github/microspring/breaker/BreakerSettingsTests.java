package io.github.microspring.breaker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Each Hystrix setting, for blocking, {@code Mono} and {@code CompletionStage} methods: every test would fail if
 * its setting were not applied (Resilience4j's own defaults differ from the values set here).
 */
class BreakerSettingsTests {

	private static ConfigurableApplicationContext context;

	private static Downstream downstream;

	private static final Downstream.Probe probe = new Downstream.Probe();

	private static CircuitBreakerRegistry registry;

	private static final ExecutorService callers = Executors.newFixedThreadPool(16);

	enum Kind {

		BLOCKING(""), MONO("mono-"), STAGE("stage-");

		private final String prefix;

		Kind(String prefix) {
			this.prefix = prefix;
		}

		String name(String setting) {
			return this.prefix + setting;
		}

		String call(Downstream downstream, String setting) {
			return switch (this) {
				case BLOCKING -> switch (setting) {
					case "percent" -> downstream.percent();
					case "trial" -> downstream.trial();
					case "cap" -> downstream.cap();
					default -> downstream.slow();
				};
				case MONO -> switch (setting) {
					case "percent" -> downstream.monoPercent().block();
					case "trial" -> downstream.monoTrial().block();
					case "cap" -> downstream.monoCap().block();
					default -> downstream.monoSlow().block();
				};
				case STAGE -> switch (setting) {
					case "percent" -> downstream.stagePercent().toCompletableFuture().join();
					case "trial" -> downstream.stageTrial().toCompletableFuture().join();
					case "cap" -> downstream.stageCap().toCompletableFuture().join();
					default -> downstream.stageSlow().join();
				};
			};
		}

	}

	@BeforeAll
	static void start() {
		List<String> properties = new ArrayList<>(List.of("micro.breaker.defaults.timeout=30s",
				"micro.breaker.instances.volume.request-volume-threshold=5"));
		for (Kind kind : Kind.values()) {
			properties.add("micro.breaker.instances." + kind.name("percent") + ".request-volume-threshold=10");
			properties.add("micro.breaker.instances." + kind.name("percent") + ".error-percent-threshold=40");
			properties.add("micro.breaker.instances." + kind.name("trial") + ".request-volume-threshold=2");
			properties.add("micro.breaker.instances." + kind.name("trial") + ".trial-calls=2");
			properties.add("micro.breaker.instances." + kind.name("trial") + ".sleep-window=300ms");
			properties.add("micro.breaker.instances." + kind.name("cap") + ".max-concurrent-requests=2");
			properties.add("micro.breaker.instances." + kind.name("slow") + ".timeout=300ms");
		}
		properties.add("micro.breaker.instances.flux-slow.timeout=300ms");
		properties.add("micro.breaker.instances.rejections.max-concurrent-requests=1");
		properties.add("micro.breaker.instances.rejections.request-volume-threshold=2");
		properties.add("micro.breaker.instances.rejections.count-rejections=false");
		// one context for the class: each test has breakers of its own names
		context = new SpringApplicationBuilder(DownstreamConfiguration.class, BreakerAutoConfiguration.class)
			.web(WebApplicationType.NONE)
			.properties(properties.toArray(String[]::new))
			.properties("spring.main.banner-mode=off")
			.run();
		downstream = context.getBean(Downstream.class);
		registry = context.getBean(CircuitBreakerRegistry.class);
	}

	@AfterAll
	static void stop() {
		probe.gate.countDown();
		callers.shutdownNow();
		context.close();
	}

	@Test
	void volumeBelowTheThresholdNeverTripsAndTheCallAtTheThresholdDoes() {
		probe.failing = true;
		try {
			for (int i = 0; i < 4; i++) {
				assertThat(downstream.volume()).isEqualTo("fallback:IllegalStateException");
			}
			int before = probe.entered.get();
			// four failures out of four: still closed, the fifth call reaches the method
			assertThat(downstream.volume()).isEqualTo("fallback:IllegalStateException");
			assertThat(probe.entered.get()).isEqualTo(before + 1);
			// five calls reached the volume threshold, all failed: open
			assertThat(downstream.volume()).isEqualTo("fallback:CallNotPermittedException");
			assertThat(probe.entered.get()).isEqualTo(before + 1);
		}
		finally {
			probe.failing = false;
		}
	}

	@ParameterizedTest
	@EnumSource(Kind.class)
	void errorPercentTripsAtTheThresholdAndNotBelow(Kind kind) {
		String name = kind.name("percent");
		// 3 failures in 10 calls, 30 %: stays closed
		outcomes(kind, "percent", 3, 7);
		int before = probe.entered.get();
		assertThat(kind.call(downstream, "percent")).isEqualTo("ok");
		assertThat(probe.entered.get()).isEqualTo(before + 1);
		assertThat(registry.circuitBreaker(name).getState().name()).isEqualTo("CLOSED");

		registry.circuitBreaker(name).reset();
		// 4 failures in 10 calls, 40 %: opens at the tenth call
		outcomes(kind, "percent", 4, 6);
		before = probe.entered.get();
		assertThat(kind.call(downstream, "percent")).isEqualTo("fallback:CallNotPermittedException");
		assertThat(probe.entered.get()).isEqualTo(before);
	}

	private static void outcomes(Kind kind, String setting, int failures, int successes) {
		probe.failing = true;
		for (int i = 0; i < failures; i++) {
			assertThat(kind.call(downstream, setting)).isEqualTo("fallback:IllegalStateException");
		}
		probe.failing = false;
		for (int i = 0; i < successes; i++) {
			assertThat(kind.call(downstream, setting)).isEqualTo("ok");
		}
	}

	@ParameterizedTest
	@EnumSource(Kind.class)
	void sleepWindowLetsExactlyTheConfiguredTrialCallsThrough(Kind kind) throws Exception {
		String name = kind.name("trial");
		outcomes(kind, "trial", 2, 0);
		assertThat(registry.circuitBreaker(name).getState().name()).isEqualTo("OPEN");
		CountDownLatch gate = new CountDownLatch(1);
		probe.gate = gate;
		int before = probe.entered.get();
		List<Future<String>> answers = new ArrayList<>();
		try {
			// calls are refused until the sleep window has passed; then the first one is let through and held
			await().atMost(Duration.ofSeconds(20)).until(() -> {
				answers.add(callers.submit(() -> kind.call(downstream, "trial")));
				return probe.entered.get() > before;
			});
			for (int i = 0; i < 6; i++) {
				answers.add(callers.submit(() -> kind.call(downstream, "trial")));
			}
			// all calls are answered but two: the trial calls, held; the rest were refused
			await().atMost(Duration.ofSeconds(20))
				.until(() -> answers.stream().filter(Future::isDone).count() == answers.size() - 2);
			assertThat(probe.entered.get()).isEqualTo(before + 2);
			for (Future<String> answer : answers) {
				if (answer.isDone()) {
					assertThat(answer.get()).isEqualTo("fallback:CallNotPermittedException");
				}
			}
		}
		finally {
			gate.countDown();
			probe.gate = new CountDownLatch(0);
		}
		for (Future<String> answer : answers) {
			answer.get(20, TimeUnit.SECONDS);
		}
		// both trial calls succeeded: closed again
		await().atMost(Duration.ofSeconds(20))
			.until(() -> registry.circuitBreaker(name).getState().name().equals("CLOSED"));
		assertThat(kind.call(downstream, "trial")).isEqualTo("ok");
	}

	@ParameterizedTest
	@EnumSource(Kind.class)
	void concurrencyCapRejectsTheExtraCalls(Kind kind) throws Exception {
		CountDownLatch gate = new CountDownLatch(1);
		probe.gate = gate;
		int before = probe.entered.get();
		List<Future<String>> held = new ArrayList<>();
		try {
			held.add(callers.submit(() -> kind.call(downstream, "cap")));
			held.add(callers.submit(() -> kind.call(downstream, "cap")));
			await().atMost(Duration.ofSeconds(20)).until(() -> probe.entered.get() == before + 2);
			assertThat(kind.call(downstream, "cap")).isEqualTo("fallback:BulkheadFullException");
			assertThat(probe.entered.get()).isEqualTo(before + 2);
		}
		finally {
			gate.countDown();
			probe.gate = new CountDownLatch(0);
		}
		for (Future<String> answer : held) {
			assertThat(answer.get(20, TimeUnit.SECONDS)).isEqualTo("ok");
		}
		assertThat(kind.call(downstream, "cap")).isEqualTo("ok");
	}

	@ParameterizedTest
	@EnumSource(Kind.class)
	void callLongerThanTheTimeoutGetsTheFallbackInTime(Kind kind) {
		probe.gate = new CountDownLatch(1);
		probe.interrupted.set(false);
		try {
			long start = System.nanoTime();
			String answer = kind.call(downstream, "slow");
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			assertThat(answer).isEqualTo("fallback:TimeoutException");
			// the call would take 30s or more: the 300ms timeout answered, with room for a loaded machine
			assertThat(took).isLessThan(Duration.ofSeconds(5));
			if (kind == Kind.BLOCKING) {
				// cancel-running-future: the abandoned call is interrupted
				await().atMost(Duration.ofSeconds(10)).untilTrue(probe.interrupted);
			}
		}
		finally {
			probe.gate.countDown();
			probe.gate = new CountDownLatch(0);
		}
	}

	@Test
	void fluxIsTimedOutAsAWholeNotPerElement() {
		long start = System.nanoTime();
		List<String> answer = downstream.fluxSlow().collectList().block(Duration.ofSeconds(20));
		assertThat(answer).endsWith("fallback:TimeoutException");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
	}

	@Test
	void rejectionsCanBeLeftOutOfTheErrorPercent() throws Exception {
		CountDownLatch gate = new CountDownLatch(1);
		probe.gate = gate;
		int before = probe.entered.get();
		Future<String> held = callers.submit(downstream::rejections);
		try {
			await().atMost(Duration.ofSeconds(20)).until(() -> probe.entered.get() == before + 1);
			for (int i = 0; i < 5; i++) {
				assertThat(downstream.rejections()).isEqualTo("fallback:BulkheadFullException");
			}
		}
		finally {
			gate.countDown();
			probe.gate = new CountDownLatch(0);
		}
		assertThat(held.get(20, TimeUnit.SECONDS)).isEqualTo("ok");
		// five rejections did not open the breaker (they would with count-rejections left on)
		assertThat(registry.circuitBreaker("rejections").getState().name()).isEqualTo("CLOSED");
		assertThat(downstream.rejections()).isEqualTo("ok");
	}

	@Configuration(proxyBeanMethods = false)
	static class DownstreamConfiguration {

		@Bean
		Downstream downstream() {
			return new Downstream(probe);
		}

	}

}
