package io.github.microspring.sample.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;
import io.github.microspring.test.redis.RedisExtension;
import io.github.microspring.test.redis.RedisServer;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway's features against one stand-in comment-service registered in real etcd: X-User carried as
 * metadata, the edge's deadline (outside budgets ignored, 504 once spent), the breaker and its marked fallback
 * with its state in {@code /api/instances}, and the limit per client address. Ordered: the burst, which empties
 * the address's bucket, comes last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayFeaturesIntegrationTests {

	private static final ObjectMapper json = new ObjectMapper();

	private static final HttpClient http = HttpClient.newHttpClient();

	private static StandInCommentService standIn;

	private static ConfigurableApplicationContext gateway;

	@BeforeAll
	static void start() {
		EtcdServer etcd = EtcdExtension.shared();
		RedisServer redis = RedisExtension.shared();
		standIn = StandInCommentService.register(etcd, "1.0.0");
		gateway = new SpringApplicationBuilder(GatewayApplication.class).web(WebApplicationType.REACTIVE)
			.run("--server.port=0", "--micro.etcd.endpoints=" + etcd.endpoint(), "--spring.main.banner-mode=off",
					"--micro.registry.enabled=false", "--micro.breaker.instances.comments.request-volume-threshold=4",
					"--micro.breaker.instances.comments.sleep-window=1s", "--spring.data.redis.port=" + redis.port(),
					// a limit the breaker test's polling stays under and a burst exceeds
					"--micro.ratelimit.instances.edge.capacity=5", "--micro.ratelimit.instances.edge.refill-tokens=5",
					"--micro.ratelimit.instances.edge.refill-period=1s");
		await().atMost(Duration.ofSeconds(15))
			.until(() -> gateway.getBean(DiscoveryClient.class).getInstances("comment-service").size() == 1);
	}

	@AfterAll
	static void stop() {
		if (gateway != null) {
			gateway.close();
		}
		if (standIn != null) {
			standIn.close();
		}
	}

	@Test
	@Order(1)
	void xUserOfTheIncomingRequestReachesCommentServiceAsMetadata() throws Exception {
		HttpResponse<String> answer = http.send(request("/articles/metadata").header("X-User", "ada").build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
		assertThat(standIn.lastHeaders().getFirst("X-User")).isEqualTo("ada");
	}

	@Test
	@Order(2)
	void budgetSentFromOutsideIsIgnoredAndTheEdgesOwnIsSent() throws Exception {
		HttpResponse<String> answer = http.send(request("/articles/budget").header("X-Micro-Timeout", "1").build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
		assertThat(json.readTree(answer.body()).path("fallback").asBoolean()).isFalse();
		// what the edge sends on is its own budget (2 s by default), minus the little it spent
		assertThat(Long.parseLong(standIn.lastHeaders().getFirst("X-Micro-Timeout"))).isBetween(1000L, 2000L);
	}

	@Test
	@Order(3)
	void callSlowerThanTheBudgetIsAnswered504NotByTheFallback() throws Exception {
		standIn.slowBy(Duration.ofSeconds(3));
		try {
			HttpResponse<String> answer = send("/articles/slow");
			assertThat(answer.statusCode()).as(answer.body()).isEqualTo(504);
			assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(answer.headers().firstValue("X-Fallback")).isEmpty();
		}
		finally {
			standIn.slowBy(Duration.ZERO);
		}
		// the stand-in answers one call at a time: wait until the slow one is behind it
		await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500))
			.until(() -> send("/articles/slow").statusCode() == 200);
	}

	@Test
	@Order(4)
	void fallbackIsServedAndMarkedWhileCommentServiceIsDownAndTheBreakerClosesWhenItIsBack() throws Exception {
		HttpResponse<String> served = send("/articles/breaker");
		assertThat(served.statusCode()).isEqualTo(200);
		assertThat(served.headers().firstValue("X-Fallback")).isEmpty();
		assertThat(json.readTree(served.body()).path("fallback").asBoolean()).isFalse();

		standIn.down();
		try {
			HttpResponse<String> fallback = send("/articles/breaker");
			assertThat(fallback.statusCode()).as(fallback.body()).isEqualTo(200);
			assertThat(fallback.headers().firstValue("X-Fallback")).hasValue("true");
			JsonNode page = json.readTree(fallback.body());
			assertThat(page.path("fallback").asBoolean()).isTrue();
			assertThat(page.at("/comments/fallback").asBoolean()).isTrue();
			assertThat(page.at("/comments/comments")).isEmpty();
			await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> {
				assertThat(send("/articles/breaker").headers().firstValue("X-Fallback")).hasValue("true");
				return "OPEN".equals(breakerState());
			});
			// open: the fallback answers without a call reaching comment-service
			assertThat(send("/articles/breaker").headers().firstValue("X-Fallback")).hasValue("true");
		}
		finally {
			standIn.up();
		}
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
			HttpResponse<String> answer = send("/articles/breaker");
			return answer.statusCode() == 200 && answer.headers().firstValue("X-Fallback").isEmpty();
		});
		await().atMost(Duration.ofSeconds(10)).until(() -> "CLOSED".equals(breakerState()));
	}

	@Test
	@Order(5)
	void burstFromOneAddressIsAnswered429WithRetryAfterAndRateLimitHeaders() throws Exception {
		HttpResponse<String> refused = null;
		for (int i = 0; i < 50 && refused == null; i++) {
			HttpResponse<String> answer = send("/articles/burst");
			if (answer.statusCode() == 429) {
				refused = answer;
			}
			else {
				assertThat(answer.statusCode()).isEqualTo(200);
				assertThat(answer.headers().firstValue("RateLimit")).hasValueSatisfying((value) -> assertThat(value).startsWith("\"edge\";r="));
			}
		}
		assertThat(refused).as("no 429 in 50 calls to a limit of 5 per second").isNotNull();
		assertThat(refused.headers().firstValue("Retry-After")).isPresent();
		assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"edge\";q=5;w=1");
		assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(json.readTree(refused.body()).path("status").asInt()).isEqualTo(429);
		// the bucket refills: the address is served again
		await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
			.until(() -> send("/articles/burst").statusCode() == 200);
	}

	private static String breakerState() throws Exception {
		HttpResponse<String> answer = send("/api/instances");
		assertThat(answer.statusCode()).isEqualTo(200);
		return json.readTree(answer.body()).at("/breakers/comments/state").asText();
	}

	private static HttpResponse<String> send(String path) throws Exception {
		return http.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
	}

	private static HttpRequest.Builder request(String path) {
		int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
	}

}
