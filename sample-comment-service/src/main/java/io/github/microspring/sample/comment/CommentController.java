package io.github.microspring.sample.comment;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.validation.Valid;

import io.github.microspring.deadline.Deadline;
import io.github.microspring.metadata.Metadata;
import io.github.microspring.ratelimit.RateLimited;
import io.github.microspring.registry.EtcdRegistration;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Comments per article, kept in a Redis list. Every answer says which instance, of which version, served
 * it. A body that breaks a constraint of {@link Comment} is answered 400 with a problem+json detail naming
 * the field ({@link InvalidFieldsAdvice}).
 */
@RestController
class CommentController {

	private static final Log logger = LogFactory.getLog(CommentController.class);

	private static final Duration MAX_DELAY = Duration.ofSeconds(30);

	private final StringRedisTemplate redis;

	private final ObjectMapper json;

	private final String instance;

	private final String version;

	CommentController(StringRedisTemplate redis, ObjectMapper json, ObjectProvider<EtcdRegistration> registration) {
		this.redis = redis;
		this.json = json;
		EtcdRegistration own = registration.getIfAvailable();
		this.instance = (own != null) ? own.getInstanceId() : "unregistered";
		this.version = (own != null) ? own.getVersion() : "unregistered";
	}

	/**
	 * The comments of an article; {@code delay} ({@code 3s}, {@code 500ms}, at most 30 s) stands in for slow
	 * work: the answer comes that much later, or, when the caller's deadline is spent first, the work stops and
	 * the answer is 504.
	 */
	@GetMapping("/comments/{article}")
	Map<String, Object> list(@PathVariable String article, @RequestParam(required = false) String delay)
			throws InterruptedException {
		if (delay != null) {
			Thread.sleep(Deadline.timeout(delay(delay)).toMillis());
			Deadline deadline = Deadline.current();
			if (deadline != null) {
				deadline.check("reading the comments of " + article);
			}
		}
		List<String> stored = this.redis.opsForList().range(key(article), 0, -1);
		List<Comment> comments = (stored != null) ? stored.stream().map(this::read).toList() : List.of();
		// one event per request, shipped to Kafka with the request's trace id
		logger.info("Listed " + comments.size() + " comments of article " + article);
		return Map.of("instance", this.instance, "version", this.version, "comments", comments);
	}

	/**
	 * Stores a comment by the user named in the {@code X-User} metadata (sent by the edge, carried by every hop),
	 * else by the body's author. Each user may post {@code micro.ratelimit.instances.post-comment.capacity} comments in a
	 * burst, counted across every instance (callers without {@code X-User} share their address's limit).
	 */
	@PostMapping("/comments/{article}")
	@ResponseStatus(HttpStatus.CREATED)
	@RateLimited(name = "post-comment", key = "#headers['X-User'] ?: #remoteAddress")
	Map<String, Object> add(@PathVariable String article, @Valid @RequestBody Comment comment) {
		String user = Metadata.current().get("X-User");
		Comment stored = new Comment(article, (user != null) ? user : comment.author(), comment.text());
		try {
			this.redis.opsForList().rightPush(key(article), this.json.writeValueAsString(stored));
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException(ex);
		}
		logger.info("Stored a comment by " + stored.author() + " on article " + article);
		return Map.of("instance", this.instance, "version", this.version, "comment", stored);
	}

	@GetMapping("/whoami")
	Map<String, Object> whoami() {
		return Map.of("instance", this.instance, "version", this.version);
	}

	private static Duration delay(String value) {
		try {
			Duration delay = DurationStyle.detectAndParse(value);
			if (!delay.isNegative() && delay.compareTo(MAX_DELAY) <= 0) {
				return delay;
			}
		}
		catch (IllegalArgumentException ex) {
			// answered below, as a value out of range is
		}
		throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "delay must be a duration from 0 to 30s");
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
