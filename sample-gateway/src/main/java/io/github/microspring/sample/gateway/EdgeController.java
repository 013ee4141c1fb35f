package io.github.microspring.sample.gateway;

import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;

import io.github.microspring.ratelimit.RateLimited;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the edge knows: the services it discovered, and an article page assembled from comment-service
 * called by name.
 */
@RestController
class EdgeController {

	private final ReactiveDiscoveryClient discovery;

	private final CommentsClient comments;

	EdgeController(ReactiveDiscoveryClient discovery, CommentsClient comments) {
		this.discovery = discovery;
		this.comments = comments;
	}

	@GetMapping("/services")
	Mono<Map<String, List<String>>> services() {
		return this.discovery.getServices()
			.flatMap((service) -> this.discovery.getInstances(service)
				.map(ServiceInstance::getUri)
				.map(Object::toString)
				.collectList()
				.map((uris) -> Map.entry(service, uris)))
			.collectMap(Map.Entry::getKey, Map.Entry::getValue);
	}

	/**
	 * The article page; when the {@code comments} breaker answered with its fallback, the page says so in its
	 * {@code fallback} field and the {@code X-Fallback: true} header. Limited per client address, across every
	 * gateway instance.
	 */
	@GetMapping("/articles/{article}")
	@RateLimited(name = "edge", key = "#remoteAddress")
	Mono<ResponseEntity<Map<String, Object>>> article(@PathVariable String article,
			@RequestParam(required = false) String delay) {
		return this.comments.comments(article, delay).map((body) -> {
			boolean fallback = Boolean.TRUE.equals(body.get(CommentsClient.FALLBACK));
			ResponseEntity.BodyBuilder answer = ResponseEntity.ok();
			if (fallback) {
				answer.header("X-Fallback", "true");
			}
			return answer.body(Map.of("article", article, "comments", body, CommentsClient.FALLBACK, fallback));
		});
	}

}
