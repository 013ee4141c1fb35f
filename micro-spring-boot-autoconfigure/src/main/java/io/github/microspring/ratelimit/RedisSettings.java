package io.github.microspring.ratelimit;

import java.util.List;

import org.springframework.core.env.Environment;

/**
 * Whether the application says where its Redis is; without it Boot would quietly use localhost:6379, which
 * for a limit shared by every instance is a mistake to report at startup.
 */
final class RedisSettings {

	private static final List<String> CONNECTION_KEYS = List.of("spring.data.redis.url", "spring.data.redis.host",
			"spring.data.redis.port", "spring.data.redis.cluster.nodes", "spring.data.redis.cluster.nodes[0]",
			"spring.data.redis.sentinel.nodes", "spring.data.redis.sentinel.nodes[0]");

	private RedisSettings() {
	}

	static boolean configured(Environment environment) {
		return CONNECTION_KEYS.stream().anyMatch(environment::containsProperty);
	}

}
