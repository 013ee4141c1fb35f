package io.github.microspring.test.redis;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisServerTests {

	@Test
	void answersPingAndComesBackAfterKill() {
		try (RedisServer redis = RedisServer.start()) {
			assertThat(redis.ping()).isTrue();
			redis.kill();
			assertThat(redis.ping()).isFalse();
			redis.restart();
			assertThat(redis.ping()).isTrue();
		}
	}

}
