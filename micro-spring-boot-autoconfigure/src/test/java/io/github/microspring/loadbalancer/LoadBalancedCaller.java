package io.github.microspring.loadbalancer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The calling side of the load-balancer integration tests: an application declaring its own
 * {@code @LoadBalanced} WebClient and RestClient builders, as Spring Cloud's docs show, and a way to count where
 * a run of calls went.
 */
final class LoadBalancedCaller {

	private LoadBalancedCaller() {
	}

	/**
	 * Sequential calls; answers counted by what each returned (the echo servers answer their node id),
	 * failures under "failed".
	 */
	static Map<String, Integer> calls(Supplier<String> call, int count) {
		return timedCalls(call, count).answers();
	}

	/**
	 * Sequential calls, counted as {@link #calls} does, and the longest any of them took.
	 */
	static Calls timedCalls(Supplier<String> call, int count) {
		Map<String, Integer> answers = new HashMap<>();
		Duration longest = Duration.ZERO;
		for (int i = 0; i < count; i++) {
			long started = System.nanoTime();
			String answer;
			try {
				answer = call.get();
			}
			catch (RuntimeException ex) {
				answer = "failed";
			}
			Duration took = Duration.ofNanos(System.nanoTime() - started);
			longest = (took.compareTo(longest) > 0) ? took : longest;
			answers.merge(answer, 1, Integer::sum);
		}
		return new Calls(answers, longest);
	}

	record Calls(Map<String, Integer> answers, Duration longest) {
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder();
		}

		@Bean
		@LoadBalanced
		RestClient.Builder loadBalancedRestClientBuilder() {
			return RestClient.builder();
		}

	}

}
