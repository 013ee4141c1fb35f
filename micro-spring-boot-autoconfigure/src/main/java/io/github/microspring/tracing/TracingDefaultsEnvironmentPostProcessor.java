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
 * Tracing defaults a starter user expects. Boot's {@code spring.kafka.template.observation-enabled} and
 * {@code spring.kafka.listener.observation-enabled} default to true, so a consumed record continues the producer's
 * trace without a line of configuration. Span export to Zipkin is on only when
 * {@code management.zipkin.tracing.endpoint} is set: the starter brings the Zipkin exporter, and Boot would
 * otherwise send spans to {@code localhost:9411} in every application and log each failed export. Default
 * properties have the lowest precedence: a value the user sets wins.
 */
class TracingDefaultsEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	static final String TEMPLATE = "spring.kafka.template.observation-enabled";

	static final String LISTENER = "spring.kafka.listener.observation-enabled";

	static final String ZIPKIN_ENDPOINT = "management.zipkin.tracing.endpoint";

	static final String ZIPKIN_EXPORT = "management.zipkin.tracing.export.enabled";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		Map<String, Object> defaults = new HashMap<>();
		for (String key : List.of(TEMPLATE, LISTENER)) {
			// a value given anywhere, default properties included (SpringApplicationBuilder#properties), wins
			if (!environment.containsProperty(key)) {
				defaults.put(key, "true");
			}
		}
		if (!environment.containsProperty(ZIPKIN_ENDPOINT) && !environment.containsProperty(ZIPKIN_EXPORT)) {
			defaults.put(ZIPKIN_EXPORT, "false");
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
