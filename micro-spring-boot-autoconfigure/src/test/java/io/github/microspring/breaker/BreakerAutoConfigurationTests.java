package io.github.microspring.breaker;

import java.time.Duration;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Conditions, merged settings, invalid settings and wrong uses of the annotation, each a small context.
 */
@ExtendWith(OutputCaptureExtension.class)
class BreakerAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(BreakerAutoConfiguration.class));

	@Test
	void instanceSettingsAreMergedOverTheDefaultsWhichKeepHystrixDefaults() {
		this.runner.withUserConfiguration(DownstreamConfiguration.class)
			.withPropertyValues("micro.breaker.defaults.error-percent-threshold=30",
					"micro.breaker.instances.volume.request-volume-threshold=7")
			.run((context) -> {
				CircuitBreakerConfig volume = context.getBean(CircuitBreakerRegistry.class)
					.circuitBreaker("volume")
					.getCircuitBreakerConfig();
				assertThat(volume.getMinimumNumberOfCalls()).isEqualTo(7);
				assertThat(volume.getFailureRateThreshold()).isEqualTo(30);
				assertThat(volume.getSlidingWindowSize()).isEqualTo(10);
				assertThat(volume.getSlidingWindowType()).isEqualTo(CircuitBreakerConfig.SlidingWindowType.TIME_BASED);
				assertThat(volume.getPermittedNumberOfCallsInHalfOpenState()).isEqualTo(1);
				assertThat(volume.isAutomaticTransitionFromOpenToHalfOpenEnabled()).isFalse();
				CircuitBreakerConfig percent = context.getBean(CircuitBreakerRegistry.class)
					.circuitBreaker("percent")
					.getCircuitBreakerConfig();
				assertThat(percent.getMinimumNumberOfCalls()).isEqualTo(20);
				assertThat(percent.getFailureRateThreshold()).isEqualTo(30);
				assertThat(context.getBean(Breakers.class).breaker("percent").timeout())
					.isEqualTo(Duration.ofSeconds(1));
			});
	}

	@Test
	void breakersOfAnnotatedMethodsAreRegisteredAtStartup() {
		this.runner.withUserConfiguration(DownstreamConfiguration.class)
			.run((context) -> assertThat(context.getBean(CircuitBreakerRegistry.class).getAllCircuitBreakers())
				.extracting(io.github.resilience4j.circuitbreaker.CircuitBreaker::getName)
				.contains("volume", "mono-cap", "stage-slow"));
	}

	@Test
	void zeroTimeoutFailsStartupNamingTheProperty() {
		assertStartupFailure("micro.breaker.defaults.timeout=0", "micro.breaker.defaults.timeout");
	}

	@Test
	void negativeInstanceTimeoutFailsStartupNamingTheProperty(CapturedOutput output) {
		assertStartupFailure("micro.breaker.instances.comments.timeout=-1s", "micro.breaker.instances[comments].timeout");
		// what a user sees: Spring Boot's failure analysis names the key as written
		SpringApplication application = new SpringApplication(BreakerAutoConfiguration.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		assertThatException().isThrownBy(() -> application.run("--micro.breaker.instances.comments.timeout=-1s",
				"--spring.main.banner-mode=off"));
		assertThat(output).contains("Property: micro.breaker.instances[comments].timeout");
	}

	@Test
	void errorPercentOutsideOneToHundredFailsStartupNamingTheProperty() {
		assertStartupFailure("micro.breaker.instances.comments.error-percent-threshold=101",
				"micro.breaker.instances[comments].errorPercentThreshold");
		assertStartupFailure("micro.breaker.defaults.error-percent-threshold=0",
				"micro.breaker.defaults.errorPercentThreshold");
	}

	@Test
	void zeroRequestVolumeFailsStartupNamingTheProperty() {
		assertStartupFailure("micro.breaker.defaults.request-volume-threshold=0",
				"micro.breaker.defaults.requestVolumeThreshold");
	}

	@Test
	void zeroConcurrencyAndFractionalRollingWindowFailStartupNamingTheProperty() {
		assertStartupFailure("micro.breaker.defaults.max-concurrent-requests=0",
				"micro.breaker.defaults.maxConcurrentRequests");
		assertStartupFailure("micro.breaker.defaults.rolling-window=1500ms", "rolling-window must be a whole number");
	}

	private void assertStartupFailure(String property, String named) {
		this.runner.withPropertyValues(property)
			.run((context) -> assertThat(context).getFailure().rootCause().hasMessageContaining(named));
	}

	@Test
	void missingFallbackFailsStartupNamingClassAndMethod() {
		this.runner.withBean(MissingFallback.class)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining(MissingFallback.class.getName() + ".comments(String)")
				.hasMessageContaining("'cached' not found"));
	}

	@Test
	void mistypedFallbackFailsStartupNamingClassAndMethod() {
		this.runner.withBean(MistypedFallback.class)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining(MistypedFallback.class.getName() + ".comments(String)")
				.hasMessageContaining("wrong signature")
				.hasMessageContaining("expected cached(String, Throwable) or cached(Throwable) returning String"));
	}

	@Test
	void annotationOnAFinalMethodFailsStartup() {
		this.runner.withBean(FinalMethod.class)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining(FinalMethod.class.getName() + ".comments()")
				.hasMessageContaining("final"));
	}

	@Test
	void annotationOnAPrivateMethodFailsStartup() {
		this.runner.withBean(PrivateMethod.class)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining(PrivateMethod.class.getName() + ".comments()")
				.hasMessageContaining("private"));
	}

	@Test
	void bothAnnotationsOnOneMethodFailStartup() {
		this.runner.withBean(BothAnnotations.class)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining(BothAnnotations.class.getName() + ".comments()")
				.hasMessageContaining("Resilience4j's @CircuitBreaker"));
	}

	@Test
	void fallbackWithTheOriginalArgumentsOrTheExceptionAloneIsAccepted() {
		this.runner.withBean(GoodFallbacks.class).run((context) -> {
			assertThat(context).hasNotFailed();
			GoodFallbacks bean = context.getBean(GoodFallbacks.class);
			assertThat(AopUtils.isAopProxy(bean)).isTrue();
			assertThat(bean.withArguments("x")).isEqualTo("x:IllegalStateException");
			assertThat(bean.alone()).isEqualTo("alone:IllegalStateException");
		});
	}

	@Test
	void disabledLeavesMethodsUnadvised() {
		this.runner.withBean(GoodFallbacks.class)
			.withPropertyValues("micro.breaker.enabled=false")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(Breakers.class);
				assertThat(AopUtils.isAopProxy(context.getBean(GoodFallbacks.class))).isFalse();
			});
	}

	@Test
	void backsOffWithoutResilience4j() {
		this.runner.withClassLoader(new FilteredClassLoader(CircuitBreakerRegistry.class))
			.run((context) -> assertThat(context).doesNotHaveBean(Breakers.class));
	}

	@Test
	void usersTimeoutBudgetAndRegistryWin() {
		CircuitBreakerRegistry own = CircuitBreakerRegistry.ofDefaults();
		BreakerTimeoutBudget halved = (configured) -> configured.dividedBy(2);
		this.runner.withBean(CircuitBreakerRegistry.class, () -> own)
			.withBean(BreakerTimeoutBudget.class, () -> halved)
			.run((context) -> {
				assertThat(context.getBean(CircuitBreakerRegistry.class)).isSameAs(own);
				assertThat(context.getBean(BreakerTimeoutBudget.class)).isSameAs(halved);
			});
	}

	@Test
	void timeoutBudgetDecidesTheTimeoutOfEachCall() {
		Downstream.Probe probe = new Downstream.Probe();
		probe.gate = new java.util.concurrent.CountDownLatch(1);
		this.runner.withBean(Downstream.class, () -> new Downstream(probe))
			.withBean(BreakerTimeoutBudget.class, () -> (configured) -> Duration.ofMillis(200))
			.withPropertyValues("micro.breaker.defaults.timeout=60s")
			.run((context) -> {
				long start = System.nanoTime();
				// configured 60s; the budget leaves 200ms
				assertThat(context.getBean(Downstream.class).slow()).isEqualTo("fallback:TimeoutException");
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
				probe.gate.countDown();
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class DownstreamConfiguration {

		@Bean
		Downstream downstream() {
			return new Downstream(new Downstream.Probe());
		}

	}

	static class MissingFallback {

		@CircuitBreaker(name = "comments", fallbackMethod = "cached")
		public String comments(String post) {
			return post;
		}

	}

	static class MistypedFallback {

		@CircuitBreaker(name = "comments", fallbackMethod = "cached")
		public String comments(String post) {
			return post;
		}

		public String cached(Integer post, Throwable ex) {
			return "cached";
		}

	}

	static class FinalMethod {

		@CircuitBreaker(name = "comments")
		public final String comments() {
			return "comments";
		}

	}

	static class PrivateMethod {

		@CircuitBreaker(name = "comments")
		private String comments() {
			return "comments";
		}

		public String call() {
			return comments();
		}

	}

	static class BothAnnotations {

		@CircuitBreaker(name = "comments")
		@io.github.resilience4j.circuitbreaker.annotation.CircuitBreaker(name = "comments")
		public String comments() {
			return "comments";
		}

	}

	static class GoodFallbacks {

		@CircuitBreaker(name = "good", fallbackMethod = "withArgumentsFallback")
		public String withArguments(String post) {
			throw new IllegalStateException("down");
		}

		@CircuitBreaker(name = "good", fallbackMethod = "aloneFallback")
		public String alone() {
			throw new IllegalStateException("down");
		}

		String withArgumentsFallback(String post, RuntimeException ex) {
			return post + ":" + ex.getClass().getSimpleName();
		}

		private String aloneFallback(IllegalStateException ex) {
			return "alone:" + ex.getClass().getSimpleName();
		}

	}

}
