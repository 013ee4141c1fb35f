package io.github.microspring.sample.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;
import io.github.microspring.test.redis.RedisExtension;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway alone against stand-ins for comment-service registered in real etcd: what it forwards, and what
 * {@code /api/instances} says about the instances it discovered.
 */
class GatewayIntegrationTests {

	private static final ObjectMapper json = new ObjectMapper();

	private static final HttpClient http = HttpClient.newHttpClient();

	private static EtcdServer etcd;

	private static StandInCommentService stable;

	private static StandInCommentService canary;

	private static ConfigurableApplicationContext gateway;

	@BeforeAll
	static void start() {
		etcd = EtcdExtension.shared();
		stable = StandInCommentService.register(etcd, "1.0.0");
		canary = StandInCommentService.register(etcd, "1.1.0");
		gateway = new SpringApplicationBuilder(GatewayApplication.class).web(WebApplicationType.REACTIVE)
			.run("--server.port=0", "--micro.etcd.endpoints=" + etcd.endpoint(), "--spring.main.banner-mode=off",
					"--micro.registry.enabled=false", "--spring.data.redis.port=" + RedisExtension.shared().port());
	}

	@AfterAll
	static void stop() {
		if (gateway != null) {
			gateway.close();
		}
		for (StandInCommentService standIn : new StandInCommentService[] { stable, canary }) {
			if (standIn != null) {
				standIn.close();
			}
		}
	}

	@Test
	void forwardsByNameToEveryInstanceRegisteredInEtcd() throws Exception {
		awaitCommentServiceInstances(2);
		Set<String> servedBy = new HashSet<>();
		Set<String> routedTo = new HashSet<>();
		// one round-robin position per service: interleaving the two paths would send each to one instance
		for (int i = 0; i < 6; i++) {
			JsonNode page = get("/articles/standin");
			assertThat(page.at("/comments/comments/0/text").asText()).isEqualTo("canned");
			servedBy.add(page.at("/comments/instance").asText());
		}
		for (int i = 0; i < 6; i++) {
			routedTo.add(get("/comments/standin").at("/instance").asText());
		}
		assertThat(servedBy).containsExactlyInAnyOrder(stable.id(), canary.id());
		assertThat(routedTo).containsExactlyInAnyOrder(stable.id(), canary.id());
	}

	@Test
	void instancesShowsWhatDiscoverySeesPerServiceWithVersionsAndTheBreakers() throws Exception {
		awaitCommentServiceInstances(2);
		get("/articles/instances");
		JsonNode body = get("/api/instances");
		JsonNode comments = body.at("/services/comment-service");
		assertThat(comments).hasSize(2);
		for (JsonNode instance : comments) {
			String id = instance.path("instanceId").asText();
			assertThat(id).isIn(stable.id(), canary.id());
			assertThat(instance.path("version").asText()).isEqualTo(id.equals(stable.id()) ? "1.0.0" : "1.1.0");
			assertThat(instance.path("zone").asText()).isEqualTo("a");
			assertThat(instance.path("uri").asText()).startsWith("http://127.0.0.1:");
			assertThat(instance.path("ejected").asBoolean()).isFalse();
		}
		assertThat(body.at("/breakers/comments/state").asText()).isEqualTo("CLOSED");
	}

	@Test
	void instancesShowsAnInstanceTheLoadBalancerEjectedAfterItsFailures() throws Exception {
		awaitCommentServiceInstances(2);
		StandInCommentService failing = StandInCommentService.register(etcd, "1.0.0");
		try {
			awaitCommentServiceInstances(3);
			failing.answerWith(503);
			await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
				send("/articles/ejection");
				return isEjected(failing.id());
			});
			JsonNode comments = get("/api/instances").at("/services/comment-service");
			assertThat(comments).hasSize(3);
			for (JsonNode instance : comments) {
				assertThat(instance.path("ejected").asBoolean())
					.isEqualTo(instance.path("instanceId").asText().equals(failing.id()));
			}
			// no more calls reach it while it is ejected
			int callsWhenEjected = failing.calls();
			for (int i = 0; i < 6; i++) {
				assertThat(send("/articles/ejection").statusCode()).isEqualTo(200);
			}
			assertThat(failing.calls()).isEqualTo(callsWhenEjected);
		}
		finally {
			failing.close();
		}
		awaitCommentServiceInstances(2);
	}

	private static boolean isEjected(String id) throws Exception {
		for (JsonNode instance : get("/api/instances").at("/services/comment-service")) {
			if (instance.path("instanceId").asText().equals(id)) {
				return instance.path("ejected").asBoolean();
			}
		}
		return false;
	}

	private static void awaitCommentServiceInstances(int count) {
		await().atMost(Duration.ofSeconds(15))
			.until(() -> gateway.getBean(DiscoveryClient.class).getInstances("comment-service").size() == count);
	}

	private static JsonNode get(String path) throws Exception {
		HttpResponse<String> response = send(path);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return json.readTree(response.body());
	}

	private static HttpResponse<String> send(String path) throws Exception {
		int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
		return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

}
