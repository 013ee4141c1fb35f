package io.github.microspring.deadline;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import io.github.microspring.breaker.BreakerAutoConfiguration;
import io.github.microspring.breaker.CircuitBreaker;
import io.github.microspring.metadata.ChainContext;
import io.github.microspring.metadata.ChainContextThreadLocalAccessor;
import io.github.microspring.metadata.Metadata;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code @CircuitBreaker} call waits the smaller of its own timeout and what is left of the request's
 * deadline, on the blocking and the reactive path, and a spent deadline neither makes the call nor counts
 * against the breaker.
 */
class DeadlineBreakerIntegrationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DeadlineAutoConfiguration.class, BreakerAutoConfiguration.class))
		.withBean(Slow.class)
		.withPropertyValues("micro.breaker.instances.slow.timeout=5s");

	@Test
	void blockingCallWaitsNoLongerThanWhatIsLeftOfTheDeadline() {
		this.runner.run((context) -> {
			Slow slow = context.getBean(Slow.class);
			long start = System.nanoTime();
			String answer;
			try (Deadline.Scope scope = Deadline.after(Duration.ofMillis(200)).open()) {
				answer = slow.blocking();
			}
			assertThat(answer).isEqualTo("fallback: TimeoutException");
			// the breaker's own timeout is 5 s and the call sleeps 3 s: only the deadline ends it this early
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
		});
	}

	@Test
	void reactiveCallWaitsNoLongerThanTheDeadlineInItsReactorContext() {
		this.runner.run((context) -> {
			Slow slow = context.getBean(Slow.class);
			long start = System.nanoTime();
			Deadline deadline = Deadline.after(Duration.ofMillis(200));
			String answer = slow.reactive()
				.contextWrite((reactor) -> reactor.put(ChainContextThreadLocalAccessor.KEY,
						ChainContext.of(Metadata.empty(), deadline)))
				.block(Duration.ofSeconds(10));
			assertThat(answer).isEqualTo("fallback: TimeoutException");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
		});
	}

	@Test
	void spentDeadlineMakesNoCallAndIsNotCountedAgainstTheBreaker() {
		this.runner.run((context) -> {
			Slow slow = context.getBean(Slow.class);
			Deadline deadline = Deadline.after(Duration.ofMillis(1));
			await().atMost(Duration.ofSeconds(5)).until(deadline::isExpired);
			String answer;
			try (Deadline.Scope scope = deadline.open()) {
				answer = slow.blocking();
			}
			assertThat(answer).isEqualTo("fallback: DeadlineExceededException");
			assertThat(slow.calls()).isZero();
			assertThat(context.getBean(CircuitBreakerRegistry.class).circuitBreaker("slow").getMetrics()
				.getNumberOfFailedCalls()).isZero();
		});
	}

	static class Slow {

		private final AtomicInteger calls = new AtomicInteger();

		public int calls() {
			return this.calls.get();
		}

		@CircuitBreaker(name = "slow", fallbackMethod = "fallback")
		public String blocking() throws InterruptedException {
			this.calls.incrementAndGet();
			Thread.sleep(3000); // the slow downstream this breaker guards
			return "answer";
		}

		@CircuitBreaker(name = "slow", fallbackMethod = "reactiveFallback")
		public Mono<String> reactive() {
			return Mono.just("answer").delayElement(Duration.ofSeconds(3));
		}

		public String fallback(Throwable ex) {
			return "fallback: " + ex.getClass().getSimpleName();
		}

		public Mono<String> reactiveFallback(Throwable ex) {
			return Mono.just("fallback: " + ex.getClass().getSimpleName());
		}

	}

}
