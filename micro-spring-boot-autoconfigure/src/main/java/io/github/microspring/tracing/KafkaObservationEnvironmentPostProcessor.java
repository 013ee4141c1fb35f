package io.github.microspring.tracing;

import java.util.Map;

import org.springframework.boot.DefaultPropertiesPropertySource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Defaults Boot's {@code spring.kafka.template.observation-enabled} and
 * {@code spring.kafka.listener.observation-enabled} to true, so a consumed record continues the producer's trace
 * without a line of configuration. Default properties have the lowest precedence: a value the user sets wins.
 */
class KafkaObservationEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	static final String TEMPLATE = "spring.kafka.template.observation-enabled";

	static final String LISTENER = "spring.kafka.listener.observation-enabled";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		DefaultPropertiesPropertySource.addOrMerge(Map.of(TEMPLATE, "true", LISTENER, "true"),
				environment.getPropertySources());
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
