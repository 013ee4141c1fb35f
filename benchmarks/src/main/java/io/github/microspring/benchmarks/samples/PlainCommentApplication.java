package io.github.microspring.benchmarks.samples;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Anchor for sample-comment-service: the same Spring MVC controller over Redis, without the starter.
 * {@link SamplesScenario} runs it on comment-service's own classpath with the starter's jars (and Spring
 * Cloud's) taken out, so that the difference is the starter.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(PlainCommentApplication.Comments.class)
public class PlainCommentApplication {

	public static void main(String[] args) {
		new SpringApplicationBuilder(PlainCommentApplication.class).web(WebApplicationType.SERVLET).run(args);
	}

	record Comment(String article, @Size(max = 64) String author, @NotBlank @Size(max = 2000) String text) {
	}

	@RestController
	static class Comments {

		private final StringRedisTemplate redis;

		private final ObjectMapper json;

		Comments(StringRedisTemplate redis, ObjectMapper json) {
			this.redis = redis;
			this.json = json;
		}

		@GetMapping("/comments/{article}")
		Map<String, Object> list(@PathVariable String article) {
			List<String> stored = this.redis.opsForList().range("comments:" + article, 0, -1);
			List<Comment> comments = (stored != null) ? stored.stream().map(this::read).toList() : List.of();
			return Map.of("instance", "plain", "version", "plain", "comments", comments);
		}

		@PostMapping("/comments/{article}")
		@ResponseStatus(HttpStatus.CREATED)
		Map<String, Object> add(@PathVariable String article, @Valid @RequestBody Comment comment)
				throws JsonProcessingException {
			Comment stored = new Comment(article, comment.author(), comment.text());
			this.redis.opsForList().rightPush("comments:" + article, this.json.writeValueAsString(stored));
			return Map.of("instance", "plain", "version", "plain", "comment", stored);
		}

		private Comment read(String value) {
			try {
				return this.json.readValue(value, Comment.class);
			}
			catch (JsonProcessingException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}
