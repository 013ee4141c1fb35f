package io.github.microspring.discovery;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Values of {@code micro.discovery.*} that cannot work fail startup, naming the key.
 */
class DiscoveryPropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(PropertiesOnly.class);

	@Test
	void defaultsAreValid() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			DiscoveryProperties properties = context.getBean(DiscoveryProperties.class);
			assertThat(properties.getResyncInterval()).isEqualTo(Duration.ofMinutes(5));
			assertThat(properties.getNotificationDelay()).isEqualTo(Duration.ofMillis(100));
		});
	}

	@Test
	void zeroRetryMinBackoffFailsStartupNamingTheKey() {
		assertFailsNaming("micro.discovery.retry-min-backoff=0", "retry-min-backoff");
	}

	@Test
	void pageSizeBelowOneFailsStartupNamingTheKey() {
		assertFailsNaming("micro.discovery.list-page-size=0", "list-page-size");
	}

	@Test
	void maxBackoffShorterThanMinFailsStartupNamingBothKeys() {
		this.runner.withPropertyValues("micro.discovery.retry-min-backoff=2s", "micro.discovery.retry-max-backoff=1s")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("micro.discovery.retry-max-backoff")
				.hasMessageContaining("micro.discovery.retry-min-backoff"));
	}

	@Test
	void negativeNotificationDelayFailsStartupNamingTheKey() {
		assertFailsNaming("micro.discovery.notification-delay=-1ms", "notification-delay");
	}

	@Test
	void resyncIntervalIsOffAtZeroOrBelowAndOtherwiseAtLeastOneSecond() {
		this.runner.withPropertyValues("micro.discovery.resync-interval=0")
			.run((context) -> assertThat(context).hasNotFailed());
		this.runner.withPropertyValues("micro.discovery.resync-interval=-1s")
			.run((context) -> assertThat(context).hasNotFailed());
		this.runner.withPropertyValues("micro.discovery.resync-interval=10ms")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("micro.discovery.resync-interval"));
	}

	private void assertFailsNaming(String property, String key) {
		this.runner.withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context).getFailure().rootCause().hasMessageContaining("micro.discovery." + key);
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(DiscoveryProperties.class)
	static class PropertiesOnly {

	}

}
