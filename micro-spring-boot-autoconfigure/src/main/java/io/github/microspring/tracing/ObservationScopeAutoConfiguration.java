package io.github.microspring.tracing;

import io.micrometer.context.ContextRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Context propagation keeps the observation's scope where the thread holds it already
 * ({@link CurrentObservationAccessor}). Apart from {@link MicroTracingAutoConfiguration}: it concerns what
 * propagation costs every reactive request, not which clients are observed, so {@code micro.tracing.enabled=false}
 * leaves it on.
 */
@AutoConfiguration
@ConditionalOnClass({ ContextRegistry.class, ObservationThreadLocalAccessor.class })
@ConditionalOnBooleanProperty(name = "micro.tracing.reuse-observation-scope", matchIfMissing = true)
public class ObservationScopeAutoConfiguration {

	@Bean
	static SmartInitializingSingleton microObservationScopeReuse() {
		return () -> CurrentObservationAccessor.install(ContextRegistry.getInstance());
	}

}
