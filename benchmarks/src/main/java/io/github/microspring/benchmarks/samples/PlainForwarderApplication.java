package io.github.microspring.benchmarks.samples;

import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Anchor for sample-gateway: a plain WebFlux forwarder whose {@code WebClient} calls comment-service at a fixed
 * address ({@code comments.url}), without the starter, discovery or load balancing. {@link SamplesScenario}
 * runs it on sample-gateway's own classpath with the starter's jars and Spring Cloud's taken out.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(PlainForwarderApplication.Edge.class)
public class PlainForwarderApplication {

	public static void main(String[] args) {
		new SpringApplicationBuilder(PlainForwarderApplication.class).web(WebApplicationType.REACTIVE).run(args);
	}

	@RestController
	static class Edge {

		private final WebClient comments;

		// WebClient.builder(), as the sample's @LoadBalanced builder bean is; with forwarder.observed=true
		// (anchor+tracing) Boot's builder, whose calls are observed and carry the trace, as the starter makes the
		// sample's
		Edge(Environment environment, ObjectProvider<WebClient.Builder> boot) {
			WebClient.Builder builder = environment.getProperty("forwarder.observed", Boolean.class, false)
					? boot.getObject().clone() : WebClient.builder();
			this.comments = builder.baseUrl(environment.getRequiredProperty("comments.url")).build();
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

}
