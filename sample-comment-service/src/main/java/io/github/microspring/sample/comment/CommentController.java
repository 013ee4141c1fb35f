package io.github.microspring.sample.comment;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.microspring.registry.EtcdRegistration;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Comments per article, kept in a Redis list. Every answer says which instance served it.
 */
@RestController
class CommentController {

	private final StringRedisTemplate redis;

	private final ObjectMapper json;

	private final String instance;

	CommentController(StringRedisTemplate redis, ObjectMapper json, ObjectProvider<EtcdRegistration> registration) {
		this.redis = redis;
		this.json = json;
		EtcdRegistration own = registration.getIfAvailable();
		this.instance = (own != null) ? own.getInstanceId() : "unregistered";
	}

	@GetMapping("/comments/{article}")
	Map<String, Object> list(@PathVariable String article) {
		List<String> stored = this.redis.opsForList().range(key(article), 0, -1);
		List<Comment> comments = (stored != null) ? stored.stream().map(this::read).toList() : List.of();
		return Map.of("instance", this.instance, "comments", comments);
	}

	@PostMapping("/comments/{article}")
	@ResponseStatus(HttpStatus.CREATED)
	Map<String, Object> add(@PathVariable String article, @RequestBody Comment comment) {
		if (comment.text() == null || comment.text().isBlank()) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "text must not be empty");
		}
		Comment stored = new Comment(article, comment.author(), comment.text());
		try {
			this.redis.opsForList().rightPush(key(article), this.json.writeValueAsString(stored));
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException(ex);
		}
		return Map.of("instance", this.instance, "comment", stored);
	}

	@GetMapping("/whoami")
	Map<String, Object> whoami() {
		return Map.of("instance", this.instance);
	}

	private Comment read(String value) {
		try {
			return this.json.readValue(value, Comment.class);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String key(String article) {
		return "comments:" + article;
	}

}
