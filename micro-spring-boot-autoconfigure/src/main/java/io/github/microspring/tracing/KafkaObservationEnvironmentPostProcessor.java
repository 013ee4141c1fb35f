package io.github.microspring.tracing;

import java.util.HashMap;
import java.util.List;
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
		Map<String, Object> defaults = new HashMap<>();
		for (String key : List.of(TEMPLATE, LISTENER)) {
			// a value given anywhere, default properties included (SpringApplicationBuilder#properties), wins
			if (!environment.containsProperty(key)) {
				defaults.put(key, "true");
			}
		}
		if (!defaults.isEmpty()) {
			DefaultPropertiesPropertySource.addOrMerge(defaults, environment.getPropertySources());
		}
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
