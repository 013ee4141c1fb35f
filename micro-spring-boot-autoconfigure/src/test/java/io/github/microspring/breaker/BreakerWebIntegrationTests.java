package io.github.microspring.breaker;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import io.github.microspring.etcd.RunningApplication;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Breakers on controllers of running MVC and WebFlux servers: an open breaker answers 503 with problem+json and
 * {@code Retry-After}; Resilience4j's actuator endpoint lists the breaker; state changes reach Spring listeners
 * and the current span.
 */
class BreakerWebIntegrationTests {

	private static final ObjectMapper json = new ObjectMapper();

	private static final String[] PROPERTIES = { "spring.main.banner-mode=off", "server.port=0",
			"server.address=127.0.0.1", "micro.registry.enabled=false", "micro.discovery.enabled=false",
			"spring.autoconfigure.exclude=io.github.microspring.etcd.EtcdAutoConfiguration",
			"management.endpoints.web.exposure.include=circuitbreakers",
			"micro.breaker.instances.web-comments.request-volume-threshold=2",
			"micro.breaker.instances.web-comments.sleep-window=30s" };

	@Test
	void openBreakerOnAnMvcControllerAnswers503WithProblemAndRetryAfter() throws Exception {
		try (ConfigurableApplicationContext application = new SpringApplicationBuilder(MvcApplication.class)
			.properties(PROPERTIES)
			.properties("spring.main.web-application-type=servlet")
			.run()) {
			assertOpensAndAnswers503(application);
		}
	}

	@Test
	void openBreakerOnAWebFluxControllerAnswers503WithProblemAndRetryAfter() throws Exception {
		try (ConfigurableApplicationContext application = new SpringApplicationBuilder(FluxApplication.class)
			.properties(PROPERTIES)
			.properties("spring.main.web-application-type=reactive")
			.run()) {
			assertOpensAndAnswers503(application);
		}
	}

	private void assertOpensAndAnswers503(ConfigurableApplicationContext application) throws Exception {
		assertThat(RunningApplication.get(application, "/actuator/circuitbreakers").path("circuitBreakers")
			.path("web-comments")
			.path("state")
			.asText()).isEqualTo("CLOSED");
		assertThat(RunningApplication.status(application, "/comments?fail=true")).isEqualTo(500);
		assertThat(RunningApplication.status(application, "/comments?fail=true")).isEqualTo(500);

		HttpResponse<String> refused = RunningApplication.send(application, "/comments");
		assertThat(refused.statusCode()).isEqualTo(503);
		assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
		assertThat(retryAfter).isBetween(1L, 30L);
		JsonNode problem = json.readTree(refused.body());
		assertThat(problem.path("status").asInt()).isEqualTo(503);
		assertThat(problem.path("breaker").asText()).isEqualTo("web-comments");
		assertThat(problem.path("instance").asText()).isEqualTo("/comments");

		assertThat(RunningApplication.get(application, "/actuator/circuitbreakers").path("circuitBreakers")
			.path("web-comments")
			.path("state")
			.asText()).isEqualTo("OPEN");
		assertThat(application.getBean(StateChanges.class).events).extracting(BreakerStateChangedEvent::toString)
			.containsExactly("Breaker 'web-comments' CLOSED -> OPEN");
	}

	@Test
	void stateChangeIsTaggedOnTheCurrentSpan() {
		SimpleTracer tracer = new SimpleTracer();
		try (ConfigurableApplicationContext application = new SpringApplicationBuilder(BreakerAutoConfiguration.class)
			.web(org.springframework.boot.WebApplicationType.NONE)
			.properties("spring.main.banner-mode=off", "micro.breaker.instances.volume.request-volume-threshold=2")
			.initializers((context) -> {
				context.getBeanFactory().registerSingleton("tracer", tracer);
				((GenericApplicationContext) context).registerBean(Downstream.class, () -> new Downstream(failing()));
			})
			.run()) {
			Downstream downstream = application.getBean(Downstream.class);
			Span span = tracer.nextSpan().name("call").start();
			try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
				downstream.volume();
				downstream.volume();
			}
			finally {
				span.end();
			}
			SimpleSpan recorded = tracer.getSpans().getFirst();
			assertThat(recorded.getTags()).containsEntry(BreakerSpanTagger.NAME_TAG, "volume")
				.containsEntry(BreakerSpanTagger.STATE_TAG, "OPEN");
		}
	}

	private static Downstream.Probe failing() {
		Downstream.Probe probe = new Downstream.Probe();
		probe.failing = true;
		return probe;
	}

	static class StateChanges implements ApplicationListener<BreakerStateChangedEvent> {

		final List<BreakerStateChangedEvent> events = new CopyOnWriteArrayList<>();

		@Override
		public void onApplicationEvent(BreakerStateChangedEvent event) {
			this.events.add(event);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class MvcApplication {

		@Bean
		StateChanges stateChanges() {
			return new StateChanges();
		}

		@Bean
		MvcComments mvcComments() {
			return new MvcComments();
		}

	}

	@RestController
	static class MvcComments {

		@GetMapping("/comments")
		@CircuitBreaker(name = "web-comments")
		public String comments(boolean fail) {
			if (fail) {
				throw new IllegalStateException("down");
			}
			return "comments";
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class FluxApplication {

		@Bean
		StateChanges stateChanges() {
			return new StateChanges();
		}

		@Bean
		FluxComments fluxComments() {
			return new FluxComments();
		}

	}

	@RestController
	static class FluxComments {

		@GetMapping("/comments")
		@CircuitBreaker(name = "web-comments")
		public Mono<String> comments(boolean fail) {
			return fail ? Mono.error(new IllegalStateException("down")) : Mono.just("comments");
		}

	}

}
