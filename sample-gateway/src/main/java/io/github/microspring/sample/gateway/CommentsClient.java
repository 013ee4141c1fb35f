package io.github.microspring.sample.gateway;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import reactor.core.publisher.Mono;

import io.github.microspring.breaker.CircuitBreaker;
import io.github.microspring.deadline.Deadline;
import io.github.microspring.deadline.DeadlineExceededException;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * comment-service called by name through the {@code @LoadBalanced WebClient}, under the {@code comments} circuit
 * breaker: a failed, timed-out or refused call is answered by {@link #noComments}, which says it is a fallback.
 * A bean of its own, so the breaker's proxy sits between the controller and the call.
 */
@Component
public class CommentsClient {

	static final String FALLBACK = "fallback";

	private static final ParameterizedTypeReference<Map<String, Object>> PAGE = new ParameterizedTypeReference<>() {
	};

	private final WebClient comments;

	CommentsClient(WebClient.Builder loadBalanced) {
		this.comments = loadBalanced.clone().baseUrl("http://comment-service").build();
	}

	/**
	 * The comments of an article; {@code delay} asks comment-service to take that long (ISO-8601 or {@code 3s}),
	 * so a demo can spend a deadline.
	 */
	@CircuitBreaker(name = "comments", fallbackMethod = "noComments")
	public Mono<Map<String, Object>> comments(String article, String delay) {
		return this.comments.get()
			.uri((uri) -> uri.path("/comments/{article}").queryParamIfPresent("delay", Optional.ofNullable(delay))
				.build(article))
			.retrieve()
			.bodyToMono(PAGE);
	}

	/**
	 * Comments unavailable: an empty page marked as a fallback. A spent deadline is not answered here: the
	 * caller gets the 504 that says the budget ran out.
	 */
	public Mono<Map<String, Object>> noComments(String article, String delay, Throwable cause) {
		Deadline deadline = Deadline.current();
		if (cause instanceof DeadlineExceededException) {
			return Mono.error(cause);
		}
		if (deadline != null && deadline.isExpired()) {
			return Mono.error(new DeadlineExceededException("Deadline exceeded calling comment-service", cause));
		}
		Map<String, Object> page = new LinkedHashMap<>();
		page.put("comments", List.of());
		page.put(FALLBACK, true);
		page.put("reason", cause.getClass().getSimpleName());
		return Mono.just(page);
	}

}
