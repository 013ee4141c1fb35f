package io.github.microspring.sample.gateway;

import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * What the edge knows: the services it discovered, and an article page assembled from comment-service
 * called by name.
 */
@RestController
class EdgeController {

	private final ReactiveDiscoveryClient discovery;

	private final WebClient comments;

	EdgeController(ReactiveDiscoveryClient discovery, WebClient.Builder loadBalanced) {
		this.discovery = discovery;
		this.comments = loadBalanced.baseUrl("http://comment-service").build();
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

	@GetMapping("/articles/{article}")
	Mono<Map<String, Object>> article(@PathVariable String article) {
		return this.comments.get()
			.uri("/comments/{article}", article)
			.retrieve()
			.bodyToMono(Map.class)
			.map((body) -> Map.of("article", article, "comments", body));
	}

}
