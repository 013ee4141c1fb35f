package io.github.microspring.breaker;

import java.time.Clock;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.bulkhead.ThreadPoolBulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.tracing.Tracer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.DispatcherHandler;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * {@link CircuitBreaker @CircuitBreaker} methods run under Resilience4j breakers, bulkheads and time limiters built
 * from {@code micro.breaker.*}, registered in Resilience4j's registries (those of {@code resilience4j-spring-boot3}
 * when present).
 */
@AutoConfiguration(afterName = {
		"io.github.resilience4j.springboot3.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration",
		"io.github.resilience4j.springboot3.bulkhead.autoconfigure.BulkheadAutoConfiguration",
		"io.github.resilience4j.springboot3.timelimiter.autoconfigure.TimeLimiterAutoConfiguration",
		"org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration" })
@ConditionalOnClass({ CircuitBreakerRegistry.class, BulkheadRegistry.class, TimeLimiterRegistry.class,
		ContextSnapshotFactory.class })
@ConditionalOnBooleanProperty(name = "micro.breaker.enabled", matchIfMissing = true)
@EnableConfigurationProperties(BreakerProperties.class)
public class BreakerAutoConfiguration {

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static BreakerPostProcessor breakerPostProcessor(ObjectProvider<Breakers> breakers,
			ObjectProvider<BreakerTimeoutBudget> budget) {
		return new BreakerPostProcessor(new BreakerInterceptor(breakers::getObject, budget::getObject));
	}

	@Bean
	@ConditionalOnMissingBean
	BreakerTimeoutBudget breakerTimeoutBudget() {
		return (configured) -> configured;
	}

	@Bean
	@ConditionalOnMissingBean
	CircuitBreakerRegistry circuitBreakerRegistry() {
		return CircuitBreakerRegistry.ofDefaults();
	}

	@Bean
	@ConditionalOnMissingBean
	BulkheadRegistry bulkheadRegistry() {
		return BulkheadRegistry.ofDefaults();
	}

	@Bean
	@ConditionalOnMissingBean
	ThreadPoolBulkheadRegistry threadPoolBulkheadRegistry() {
		return ThreadPoolBulkheadRegistry.ofDefaults();
	}

	@Bean
	@ConditionalOnMissingBean
	TimeLimiterRegistry timeLimiterRegistry() {
		return TimeLimiterRegistry.ofDefaults();
	}

	@Bean
	Breakers breakers(BreakerProperties properties, Environment environment, CircuitBreakerRegistry circuitBreakers,
			BulkheadRegistry bulkheads, ThreadPoolBulkheadRegistry pools, TimeLimiterRegistry timeLimiters,
			ApplicationEventPublisher events) {
		return new Breakers(Breakers.merged(properties, Binder.get(environment)), circuitBreakers, bulkheads, pools,
				timeLimiters, events, Clock.systemUTC());
	}

	/**
	 * Creates the breakers of every annotated method at startup, so the actuator endpoints and meters list them
	 * before their first call.
	 */
	@Bean
	SmartInitializingSingleton breakerInstances(BreakerPostProcessor postProcessor, Breakers breakers) {
		return () -> postProcessor.names().forEach(breakers::breaker);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(Tracer.class)
	static class BreakerTracingConfiguration {

		@Bean
		BreakerSpanTagger breakerSpanTagger(ObjectProvider<Tracer> tracer) {
			return new BreakerSpanTagger(tracer);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnClass({ DispatcherServlet.class, ObjectMapper.class })
	static class BreakerServletConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "breakerOpenExceptionResolver")
		BreakerOpenExceptionResolver breakerOpenExceptionResolver(Breakers breakers,
				ObjectProvider<ObjectMapper> json) {
			return new BreakerOpenExceptionResolver(breakers, json.getIfAvailable(ObjectMapper::new));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass({ DispatcherHandler.class, ObjectMapper.class })
	static class BreakerReactiveConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "breakerOpenWebExceptionHandler")
		BreakerOpenWebExceptionHandler breakerOpenWebExceptionHandler(Breakers breakers,
				ObjectProvider<ObjectMapper> json) {
			return new BreakerOpenWebExceptionHandler(breakers, json.getIfAvailable(ObjectMapper::new));
		}

	}

}
