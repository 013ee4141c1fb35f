package io.github.microspring.sample.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.github.microspring.sample.comment.CommentServiceApplication;
import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.kafka.KafkaExtension;
import io.github.microspring.test.kafka.KafkaServer;
import io.github.microspring.test.redis.RedisExtension;
import io.github.microspring.test.zipkin.ZipkinExtension;
import io.github.microspring.test.zipkin.ZipkinServer;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway and the real comment-service with every feature on, against real etcd, Redis, Kafka and Zipkin:
 * the scenario {@code ./demo.sh} shows, as assertions. Ordered: the last test stops comment-service.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EveryFeatureEndToEndIntegrationTests {

	private static final ObjectMapper json = new ObjectMapper();

	private static final HttpClient http = HttpClient.newHttpClient();

	private static KafkaServer kafka;

	private static ZipkinServer zipkin;

	private static ConfigurableApplicationContext comments;

	private static ConfigurableApplicationContext gateway;

	@BeforeAll
	static void start() {
		String etcd = EtcdExtension.shared().endpoint();
		int redis = RedisExtension.shared().port();
		kafka = KafkaExtension.shared();
		zipkin = ZipkinExtension.shared();
		String[] common = { "--server.port=0", "--micro.etcd.endpoints=" + etcd, "--spring.main.banner-mode=off",
				"--spring.data.redis.port=" + redis, "--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
				"--management.zipkin.tracing.endpoint=" + zipkin.spansEndpoint(),
				"--micro.logging.kafka.enabled=true" };
		comments = new SpringApplicationBuilder(CommentServiceApplication.class).web(WebApplicationType.SERVLET)
			// its own application.yml: the gateway's, on this classpath too, would win over it
			.run(concat(common, "--spring.config.location=file:../sample-comment-service/src/main/resources/application.yml",
					// the gateway's jars share this test classpath; comment-service runs without them
					"--spring.autoconfigure.exclude=" + String.join(",", GatewayEndToEndIntegrationTests.GATEWAY_AUTO_CONFIGURATIONS)));
		gateway = new SpringApplicationBuilder(GatewayApplication.class).web(WebApplicationType.REACTIVE)
			.run(concat(common, "--micro.breaker.instances.comments.request-volume-threshold=4"));
		await().atMost(Duration.ofSeconds(30))
			.until(() -> gateway.getBean(DiscoveryClient.class).getInstances("comment-service").size() == 1);
	}

	@AfterAll
	static void stop() {
		for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] { gateway, comments }) {
			if (context != null && context.isActive()) {
				context.close();
			}
		}
	}

	@Test
	@Order(1)
	void commentPostedThroughTheGatewayIsStoredWithTheAuthorFromXUser() throws Exception {
		HttpResponse<String> created = post("/comments/everything", "ada", "{\"text\":\"every feature on\"}");
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

		JsonNode page = get(gateway, "/articles/everything");
		assertThat(page.at("/comments/comments/0/text").asText()).isEqualTo("every feature on");
		assertThat(page.at("/comments/comments/0/author").asText()).isEqualTo("ada");
	}

	@Test
	@Order(2)
	void burstOfPostsByOneUserThroughTheGatewayIsAnswered429() throws Exception {
		int created = 0;
		HttpResponse<String> refused = null;
		for (int i = 0; i < 20 && refused == null; i++) {
			HttpResponse<String> answer = post("/comments/burst", "eve", "{\"text\":\"burst\"}");
			if (answer.statusCode() == 429) {
				refused = answer;
			}
			else {
				assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
				created++;
			}
		}
		assertThat(refused).isNotNull();
		assertThat(created).isEqualTo(5);
		assertThat(refused.headers().firstValue("Retry-After")).isPresent();
		assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"post-comment\";q=5;w=10");
	}

	@Test
	@Order(3)
	void requestIsOneTraceInZipkinWithBothServicesAndItsLogEventInKafkaCarriesTheTraceId() throws Exception {
		assertThat(get(gateway, "/articles/traced").path("fallback").asBoolean()).isFalse();

		// comment-service logs one event per listing, shipped to web_log with the request's trace id
		JsonNode event = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
			.until(() -> logEvent("Listed 0 comments of article traced"), (found) -> found != null);
		String traceId = event.path("traceId").asText();
		assertThat(traceId).matches("[0-9a-f]{32}");

		JsonNode spans = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
			.until(() -> spans(traceId), (found) -> services(found).containsAll(List.of("gateway", "comment-service")));
		assertThat(spans.findValues("traceId")).allSatisfy((id) -> assertThat(id.asText()).isEqualTo(traceId));
	}

	@Test
	@Order(9)
	void fallbackIsServedAndMarkedWithCommentServiceStopped() throws Exception {
		comments.close();
		await().atMost(Duration.ofSeconds(15))
			.until(() -> gateway.getBean(DiscoveryClient.class).getInstances("comment-service").isEmpty());
		HttpResponse<String> answer = send(gateway, "/articles/everything");
		assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
		assertThat(answer.headers().firstValue("X-Fallback")).hasValue("true");
		assertThat(json.readTree(answer.body()).path("fallback").asBoolean()).isTrue();
	}

	private static JsonNode logEvent(String message) throws Exception {
		for (ConsumerRecord<String, String> record : kafka.records("web_log", 1, Duration.ofSeconds(5))) {
			JsonNode event = json.readTree(record.value());
			// both contexts share this JVM's Logback root logger, where one shipping appender takes the events of
			// both; the message is logged only by comment-service's controller
			if (event.path("message").asText().equals(message)) {
				return event;
			}
		}
		return null;
	}

	private static JsonNode spans(String traceId) throws Exception {
		String trace = zipkin.trace(traceId);
		return (trace != null) ? json.readTree(trace) : json.createArrayNode();
	}

	private static Set<String> services(JsonNode spans) {
		Set<String> services = new HashSet<>();
		spans.findValues("localEndpoint").forEach((endpoint) -> services.add(endpoint.path("serviceName").asText()));
		return services;
	}

	private static HttpResponse<String> post(String path, String user, String body) throws Exception {
		return http.send(HttpRequest.newBuilder(uri(gateway, path))
			.header("Content-Type", "application/json")
			.header("X-User", user)
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static String[] concat(String[] common, String... more) {
		String[] all = new String[common.length + more.length];
		System.arraycopy(common, 0, all, 0, common.length);
		System.arraycopy(more, 0, all, common.length, more.length);
		return all;
	}

	private static JsonNode get(ConfigurableApplicationContext context, String path) throws Exception {
		HttpResponse<String> response = send(context, path);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return json.readTree(response.body());
	}

	private static HttpResponse<String> send(ConfigurableApplicationContext context, String path) throws Exception {
		return http.send(HttpRequest.newBuilder(uri(context, path)).build(), HttpResponse.BodyHandlers.ofString());
	}

	private static URI uri(ConfigurableApplicationContext context, String path) {
		return URI.create("http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort() + path);
	}

}
