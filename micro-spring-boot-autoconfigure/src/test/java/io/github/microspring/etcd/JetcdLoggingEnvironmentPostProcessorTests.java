package io.github.microspring.etcd;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * jetcd's per-retry log lines are off by default and come back with one property.
 */
class JetcdLoggingEnvironmentPostProcessorTests {

	private final JetcdLoggingEnvironmentPostProcessor postProcessor = new JetcdLoggingEnvironmentPostProcessor();

	@Test
	void setsJetcdRetryLoggersToErrorAtLowestPrecedence() {
		StandardEnvironment environment = new StandardEnvironment();
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty("logging.level.io.etcd.jetcd.impl")).isEqualTo("ERROR");
		assertThat(environment.getPropertySources().stream().reduce((first, second) -> second).orElseThrow().getName())
			.isEqualTo("defaultProperties");
	}

	@Test
	void levelSetByTheUserWins() {
		StandardEnvironment environment = environment(Map.of("logging.level.io.etcd.jetcd.impl", "WARN"));
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty("logging.level.io.etcd.jetcd.impl")).isEqualTo("WARN");
	}

	@Test
	void levelSetByTheUserForAParentLoggerAppliesToJetcdToo() {
		StandardEnvironment environment = environment(Map.of("logging.level.io.etcd.jetcd", "DEBUG"));
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.containsProperty("logging.level.io.etcd.jetcd.impl")).isFalse();
	}

	@Test
	void applicationStartsWithJetcdRetryLoggersAtError() {
		SpringApplication application = new SpringApplication(Empty.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		try (ConfigurableApplicationContext context = application.run("--spring.main.banner-mode=off")) {
			Logger lease = LoggerFactory.getLogger("io.etcd.jetcd.impl.LeaseImpl");
			assertThat(lease.isWarnEnabled()).isFalse();
			assertThat(lease.isErrorEnabled()).isTrue();
			assertThat(LoggerFactory.getLogger("io.etcd.jetcd.impl.KVImpl").isWarnEnabled()).isFalse();
		}
	}

	@Test
	void applicationPropertyBringsJetcdRetryLinesBack() {
		SpringApplication application = new SpringApplication(Empty.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		try (ConfigurableApplicationContext context = application.run("--spring.main.banner-mode=off",
				"--logging.level.io.etcd.jetcd.impl=WARN")) {
			assertThat(LoggerFactory.getLogger("io.etcd.jetcd.impl.LeaseImpl").isWarnEnabled()).isTrue();
		}
	}

	private static StandardEnvironment environment(Map<String, Object> properties) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("user", properties));
		return environment;
	}

	@SpringBootConfiguration
	static class Empty {

	}

}
