package io.github.microspring.deadline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

import io.github.microspring.etcd.RunningApplication;
import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A budget set at A shrinks at every hop: A (servlet, RestClient) calls B (WebFlux, WebClient), which calls C,
 * all through the load balancer and real etcd. Once the budget is spent the next call is not made and the
 * caller gets 504.
 */
@ExtendWith(EtcdExtension.class)
class DeadlinePropagationIntegrationTests {

	private static final AtomicInteger callsToC = new AtomicInteger();

	private static final AtomicInteger startedAtB = new AtomicInteger();

	private static final AtomicInteger finishedAtB = new AtomicInteger();

	private static final ObjectMapper json = new ObjectMapper();

	private static final HttpClient http = HttpClient.newHttpClient();

	private static ConfigurableApplicationContext c;

	private static ConfigurableApplicationContext b;

	private static ConfigurableApplicationContext a;

	private static ConfigurableApplicationContext slow1;

	private static ConfigurableApplicationContext slow2;

	@BeforeAll
	static void startHops(EtcdServer etcd) {
		c = start(HopC.class, WebApplicationType.SERVLET, "deadline-c", etcd);
		b = start(HopB.class, WebApplicationType.REACTIVE, "deadline-b", etcd);
		a = start(HopA.class, WebApplicationType.SERVLET, "deadline-a", etcd);
		slow1 = start(Slow.class, WebApplicationType.SERVLET, "deadline-slow", etcd);
		slow2 = start(Slow.class, WebApplicationType.SERVLET, "deadline-slow", etcd);
		DiscoveryClient discovery = a.getBean(DiscoveryClient.class);
		await().atMost(Duration.ofSeconds(20))
			.until(() -> !discovery.getInstances("deadline-b").isEmpty()
					&& discovery.getInstances("deadline-slow").size() == 2
					&& !b.getBean(DiscoveryClient.class).getInstances("deadline-c").isEmpty());
	}

	@AfterAll
	static void stopHops() {
		for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] { slow2, slow1, a, b, c }) {
			if (context != null) {
				context.close();
			}
		}
	}

	@Test
	void eachHopPassesOnWhatIsLeft() {
		// a loaded machine may spend the 100 ms left in transit; every answer that reached C must be within it
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			HttpResponse<String> response = send(a, "/call?sleep=200", "300");
			assertThat(response.statusCode()).isIn(200, 504);
			if (response.statusCode() == 200) {
				long budgetAtC = json.readTree(response.body()).get("header").asLong();
				assertThat(budgetAtC).isPositive().isLessThanOrEqualTo(100);
			}
			assertThat(response.statusCode()).isEqualTo(200);
		});
	}

	@Test
	void spentBudgetStopsTheNextCallAndAnswers504() throws Exception {
		int before = callsToC.get();
		HttpResponse<String> response = send(a, "/call?sleep=350", "300");

		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		JsonNode problem = json.readTree(response.body());
		assertThat(problem.get("status").asInt()).isEqualTo(504);
		assertThat(problem.get("title").asText()).isEqualTo("Gateway Timeout");
		// on a loaded machine A may spend the budget before it calls B; either way nothing reaches C
		await().atMost(Duration.ofSeconds(10)).until(() -> finishedAtB.get() == startedAtB.get());
		assertThat(callsToC.get()).as("B did not call C").isEqualTo(before);
	}

	@Test
	void retryOnTheNextInstanceDoesNotOutliveTheBudget() throws Exception {
		long started = System.nanoTime();
		HttpResponse<String> response = send(a, "/slow", "1000");
		Duration took = Duration.ofNanos(System.nanoTime() - started);

		assertThat(response.statusCode()).isEqualTo(504);
		// each instance would answer after 3 s; without the budget the first try alone takes that long
		assertThat(took).isLessThan(Duration.ofMillis(2500));
	}

	@Test
	void malformedAndNegativeBudgetsAreIgnoredAndCounted() throws Exception {
		assertThat(json.readTree(send(c, "/budget", "soon").body()).get("remaining").isNull()).isTrue();
		assertThat(json.readTree(send(c, "/budget", "-300").body()).get("remaining").isNull()).isTrue();
		MeterRegistry meters = c.getBean(MeterRegistry.class);
		assertThat(meters.counter("micro.deadline.header.rejected", "reason", "malformed").count()).isPositive();
		assertThat(meters.counter("micro.deadline.header.rejected", "reason", "negative").count()).isPositive();
	}

	@Test
	void hugeBudgetIsClampedToTheMaximum() throws Exception {
		HttpResponse<String> response = send(c, "/budget", "99999999999999");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(json.readTree(response.body()).get("remaining").asLong()).isPositive().isLessThanOrEqualTo(20_000);
	}

	@Test
	void grpcTimeoutIsAccepted() throws Exception {
		HttpResponse<String> response = http.send(HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + RunningApplication.port(c) + "/budget"))
			.header("grpc-timeout", "5S")
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(json.readTree(response.body()).get("remaining").asLong()).isPositive().isLessThanOrEqualTo(5000);
	}

	private static HttpResponse<String> send(ConfigurableApplicationContext context, String path, String budget)
			throws Exception {
		return http.send(HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + RunningApplication.port(context) + path))
			.header("X-Micro-Timeout", budget)
			.timeout(Duration.ofSeconds(20))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static ConfigurableApplicationContext start(Class<?> application, WebApplicationType type, String name,
			EtcdServer etcd) {
		return new SpringApplicationBuilder(application).web(type)
			.properties("spring.application.name=" + name, "server.port=0", "server.address=127.0.0.1",
					"spring.main.banner-mode=off", "micro.etcd.endpoints=" + etcd.endpoint(),
					"micro.registry.lease-ttl=5s", "micro.registry.register-interval=1s", "micro.deadline.max=20s")
			.run();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(HopC.Endpoints.class)
	static class HopC {

		@RestController
		static class Endpoints {

			@GetMapping("/budget")
			Map<String, Object> budget(@RequestHeader(name = "X-Micro-Timeout", required = false) String header) {
				callsToC.incrementAndGet();
				Deadline deadline = Deadline.current();
				Map<String, Object> seen = new HashMap<>();
				seen.put("header", header);
				seen.put("remaining", (deadline != null) ? deadline.remaining().toMillis() : null);
				return seen;
			}

		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(HopB.Endpoints.class)
	static class HopB {

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder();
		}

		@RestController
		static class Endpoints {

			private final WebClient client;

			Endpoints(WebClient.Builder builder) {
				this.client = builder.build();
			}

			@GetMapping("/work")
			Mono<String> work(@RequestParam long sleep) {
				startedAtB.incrementAndGet();
				return Mono.delay(Duration.ofMillis(sleep))
					.then(this.client.get().uri("http://deadline-c/budget").retrieve().bodyToMono(String.class))
					.doFinally((signal) -> finishedAtB.incrementAndGet());
			}

		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(HopA.Endpoints.class)
	static class HopA {

		@Bean
		@LoadBalanced
		RestClient.Builder loadBalancedRestClientBuilder() {
			return RestClient.builder();
		}

		@RestController
		static class Endpoints {

			private final RestClient client;

			Endpoints(RestClient.Builder builder) {
				this.client = builder.build();
			}

			@GetMapping(path = "/call", produces = "application/json")
			String call(@RequestParam long sleep) {
				return this.client.get().uri("http://deadline-b/work?sleep={sleep}", sleep).retrieve().body(String.class);
			}

			@GetMapping("/slow")
			String slow() {
				return this.client.get().uri("http://deadline-slow/").retrieve().body(String.class);
			}

		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(Slow.Endpoints.class)
	static class Slow {

		@RestController
		static class Endpoints {

			@GetMapping("/")
			String slow() throws InterruptedException {
				// stands for work that takes longer than any caller waits
				Thread.sleep(3000);
				return "late";
			}

		}

	}

}
