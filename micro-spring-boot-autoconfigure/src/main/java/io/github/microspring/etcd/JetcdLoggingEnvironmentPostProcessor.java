package io.github.microspring.etcd;

import java.util.List;
import java.util.Map;

import org.springframework.boot.DefaultPropertiesPropertySource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Quiets jetcd's own log while etcd is unreachable: its {@code io.etcd.jetcd.impl} loggers write a WARN for
 * every failed retry of every call (dozens a minute per application), when our registry and discovery already
 * say once that etcd is away and once that it is back. Sets {@code logging.level.io.etcd.jetcd.impl=ERROR}
 * as a default property, the lowest precedence, so any level the user sets for these loggers or a parent
 * wins. Runs before Boot's logging system reads {@code logging.level.*}.
 */
class JetcdLoggingEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	static final String LOGGER = "io.etcd.jetcd.impl";

	private static final List<String> USER_LEVELS = List.of("logging.level." + LOGGER, "logging.level.io.etcd.jetcd",
			"logging.level.io.etcd");

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (USER_LEVELS.stream().anyMatch(environment::containsProperty)) {
			return;
		}
		DefaultPropertiesPropertySource.addOrMerge(Map.of("logging.level." + LOGGER, "ERROR"),
				environment.getPropertySources());
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
