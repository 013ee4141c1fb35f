package io.github.microspring.metadata;

import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Turns on Reactor's automatic context propagation ({@code spring.reactor.context-propagation=auto}) while
 * metadata or deadlines are on, so that they reach Reactor operators on Netty threads; an application that
 * sets the property itself keeps its value.
 */
class ContextPropagationEnvironmentPostProcessor implements EnvironmentPostProcessor {

	static final String PROPERTY = "spring.reactor.context-propagation";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		boolean wanted = environment.getProperty("micro.metadata.enabled", Boolean.class, true)
				|| environment.getProperty("micro.deadline.enabled", Boolean.class, true);
		if (wanted && !environment.containsProperty(PROPERTY)) {
			environment.getPropertySources()
				.addLast(new MapPropertySource("microContextPropagation", Map.of(PROPERTY, "auto")));
		}
	}

}
