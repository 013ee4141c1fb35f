package io.github.microspring.sample.comment;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.redis.RedisExtension;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * comment-service on real etcd and Redis: what it stores, who served it, and how it answers bad input.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "micro.registry.version=2.0.0", "spring.main.banner-mode=off" })
class CommentServiceIntegrationTests {

	private static final ObjectMapper json = new ObjectMapper();

	private static final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void servers(DynamicPropertyRegistry registry) {
		registry.add("micro.etcd.endpoints", () -> EtcdExtension.shared().endpoint());
		registry.add("spring.data.redis.port", () -> RedisExtension.shared().port());
	}

	@Test
	void storedCommentIsListedWithTheInstanceAndVersionThatServedIt() throws Exception {
		HttpResponse<String> created = post("/comments/stored", "{\"author\":\"ada\",\"text\":\"first!\"}");
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

		HttpResponse<String> listed = http.send(HttpRequest.newBuilder(uri("/comments/stored")).build(),
				HttpResponse.BodyHandlers.ofString());
		JsonNode page = json.readTree(listed.body());
		assertThat(page.at("/comments/0/text").asText()).isEqualTo("first!");
		assertThat(page.at("/comments/0/article").asText()).isEqualTo("stored");
		assertThat(page.at("/version").asText()).isEqualTo("2.0.0");
		assertThat(page.at("/instance").asText()).startsWith("comment-service-");
	}

	@Test
	void burstOfPostsByOneUserIsAnswered429WhileAnotherUserStillPosts() throws Exception {
		for (int i = 0; i < 5; i++) {
			assertThat(post("/comments/burst", "eve", "{\"text\":\"post " + i + "\"}").statusCode()).isEqualTo(201);
		}
		HttpResponse<String> refused = post("/comments/burst", "eve", "{\"text\":\"one too many\"}");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Retry-After")).isPresent();
		assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"post-comment\";q=5;w=10");
		assertThat(post("/comments/burst", "mallory", "{\"text\":\"mine\"}").statusCode()).isEqualTo(201);
	}

	@Test
	void blankTextIsAnswered400WithProblemJsonNamingTheField() throws Exception {
		HttpResponse<String> answer = post("/comments/bad", "{\"author\":\"ada\",\"text\":\"  \"}");
		assertThat(answer.statusCode()).isEqualTo(400);
		assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		JsonNode problem = json.readTree(answer.body());
		assertThat(problem.path("status").asInt()).isEqualTo(400);
		assertThat(problem.path("instance").asText()).isEqualTo("/comments/bad");
		assertThat(problem.path("detail").asText()).isEqualTo("Invalid request content: text must not be blank");
		assertThat(problem.at("/errors/0/field").asText()).isEqualTo("text");
		assertThat(problem.path("errors")).hasSize(1);
	}

	@Test
	void tooLongAuthorIsAnswered400NamingTheField() throws Exception {
		HttpResponse<String> answer = post("/comments/bad", "{\"author\":\"" + "a".repeat(65) + "\",\"text\":\"ok\"}");
		assertThat(answer.statusCode()).isEqualTo(400);
		assertThat(json.readTree(answer.body()).path("detail").asText()).contains("author").doesNotContain("text");
	}

	@Test
	void malformedJsonIsAnswered400WithProblemJson() throws Exception {
		HttpResponse<String> answer = post("/comments/bad", "{\"text\":");
		assertThat(answer.statusCode()).isEqualTo(400);
		assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
	}

	private HttpResponse<String> post(String path, String body) throws Exception {
		return http.send(HttpRequest.newBuilder(uri(path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> post(String path, String user, String body) throws Exception {
		return http.send(HttpRequest.newBuilder(uri(path))
			.header("Content-Type", "application/json")
			.header("X-User", user)
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.port + path);
	}

}
