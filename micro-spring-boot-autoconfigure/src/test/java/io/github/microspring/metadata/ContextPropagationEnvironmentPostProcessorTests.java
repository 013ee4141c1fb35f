package io.github.microspring.metadata;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class ContextPropagationEnvironmentPostProcessorTests {

	private final ContextPropagationEnvironmentPostProcessor postProcessor = new ContextPropagationEnvironmentPostProcessor();

	@Test
	void turnsOnReactorsAutomaticContextPropagation() {
		StandardEnvironment environment = new StandardEnvironment();
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty("spring.reactor.context-propagation")).isEqualTo("auto");
	}

	@Test
	void keepsWhatTheApplicationChose() {
		StandardEnvironment environment = environment(Map.of("spring.reactor.context-propagation", "limited"));
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty("spring.reactor.context-propagation")).isEqualTo("limited");
	}

	@Test
	void leavesReactorAloneWhenMetadataAndDeadlinesAreOff() {
		StandardEnvironment environment = environment(
				Map.of("micro.metadata.enabled", "false", "micro.deadline.enabled", "false"));
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.containsProperty("spring.reactor.context-propagation")).isFalse();
	}

	private static StandardEnvironment environment(Map<String, Object> properties) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("application", properties));
		return environment;
	}

}
