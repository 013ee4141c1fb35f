package io.github.microspring.compat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;

import io.github.microspring.breaker.CircuitBreaker;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter's breaker in a user's usual build (Spring Boot's parent plus Spring Cloud's BOM), with the
 * Resilience4j that build resolves.
 */
@SpringBootTest(properties = { "micro.registry.enabled=false", "micro.discovery.enabled=false",
		"spring.autoconfigure.exclude=io.github.microspring.etcd.EtcdAutoConfiguration",
		"micro.breaker.instances.comments.timeout=200ms",
		"micro.breaker.instances.comments.request-volume-threshold=2" })
class BreakerInUsualBuildTests {

	@Autowired
	Comments comments;

	@Autowired
	CircuitBreakerRegistry registry;

	@Test
	void slowCallsGetTheFallbackInTimeAndOpenTheBreaker() throws Exception {
		long start = System.nanoTime();
		assertThat(this.comments.slow()).isEqualTo("cached");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		assertThat(this.comments.slow()).isEqualTo("cached");
		assertThat(this.registry.circuitBreaker("comments").getState().name()).isEqualTo("OPEN");
		assertThat(this.registry.circuitBreaker("comments").getMetrics().getNumberOfFailedCalls()).isEqualTo(2);
	}

	public static class Comments {

		@CircuitBreaker(name = "comments", fallbackMethod = "cached")
		public String slow() throws InterruptedException {
			new CountDownLatch(1).await();
			return "fresh";
		}

		public String cached(Throwable ex) {
			return "cached";
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

		@Bean
		Comments comments() {
			return new Comments();
		}

	}

}
