package io.github.microspring.deadline;

import java.net.http.HttpClient;
import java.util.function.Consumer;

import io.micrometer.core.instrument.MeterRegistry;

import io.github.microspring.breaker.BreakerTimeoutBudget;
import io.github.microspring.metadata.MetadataAutoConfiguration;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.ContextPropagatingTaskDecorator;
import org.springframework.util.ClassUtils;

/**
 * Reads the deadline of incoming requests, passes what is left on every outgoing call, refuses calls once
 * it is spent (504), and gives load-balanced calls a per-try timeout.
 */
@AutoConfiguration(after = MetadataAutoConfiguration.class, before = TaskExecutionAutoConfiguration.class,
		beforeName = "io.github.microspring.breaker.BreakerAutoConfiguration")
@ConditionalOnClass(name = "io.micrometer.context.ThreadLocalAccessor")
@ConditionalOnBooleanProperty(name = "micro.deadline.enabled", matchIfMissing = true)
@EnableConfigurationProperties(DeadlineProperties.class)
public class DeadlineAutoConfiguration {

	private static final boolean METRICS_PRESENT = ClassUtils.isPresent("io.micrometer.core.instrument.MeterRegistry",
			DeadlineAutoConfiguration.class.getClassLoader());

	@Bean
	DeadlineHeaders microDeadlineHeaders(DeadlineProperties properties, BeanFactory beans) {
		Consumer<String> rejected = METRICS_PRESENT ? Metrics.rejected(beans.getBeanProvider(MeterRegistry.class))
				: (reason) -> {
				};
		return DeadlineHeaders.of(properties, rejected);
	}

	@Bean
	@ConditionalOnMissingBean(TaskDecorator.class)
	ContextPropagatingTaskDecorator microContextPropagatingTaskDecorator() {
		return new ContextPropagatingTaskDecorator();
	}

	/**
	 * The request's deadline bounds {@code @CircuitBreaker} timeouts; ahead of the breaker's own default, which
	 * keeps the configured timeout.
	 */
	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnClass(name = "io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry")
	BreakerTimeoutBudget breakerTimeoutBudget() {
		return new DeadlineBreakerTimeout();
	}

	/**
	 * Kept apart so that Micrometer's classes are only loaded when they are there.
	 */
	private static final class Metrics {

		static Consumer<String> rejected(ObjectProvider<MeterRegistry> registries) {
			return (reason) -> registries
				.ifAvailable((registry) -> registry.counter("micro.deadline.header.rejected", "reason", reason).increment());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	static class ServletConfiguration {

		@Bean
		@ConditionalOnMissingBean
		DeadlineServletFilter microDeadlineServletFilter(DeadlineHeaders headers) {
			return new DeadlineServletFilter(headers);
		}

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnClass(name = "org.springframework.web.servlet.HandlerExceptionResolver")
		DeadlineExceededExceptionResolver microDeadlineExceededExceptionResolver() {
			return new DeadlineExceededExceptionResolver();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	static class ReactiveConfiguration {

		@Bean
		@ConditionalOnMissingBean
		DeadlineWebFilter microDeadlineWebFilter(DeadlineHeaders headers) {
			return new DeadlineWebFilter(headers);
		}

		@Bean
		@ConditionalOnMissingBean
		DeadlineExceededWebExceptionHandler microDeadlineExceededWebExceptionHandler() {
			return new DeadlineExceededWebExceptionHandler();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.web.client.RestClient")
	static class RestClientConfiguration {

		@Bean
		@ConditionalOnMissingBean
		DeadlineRestClientCustomizer microDeadlineRestClientCustomizer(DeadlineProperties properties) {
			HttpClient client = properties.getBlockingClients().isTimeouts() ? HttpClient.newBuilder()
				.connectTimeout(properties.getBlockingClients().getConnectTimeout())
				.build() : null;
			return new DeadlineRestClientCustomizer(properties.getHeader(), properties.getPerTryTimeout(), client);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.web.reactive.function.client.WebClient")
	static class WebClientConfiguration {

		@Bean
		@ConditionalOnMissingBean
		DeadlineWebClientCustomizer microDeadlineWebClientCustomizer(DeadlineProperties properties) {
			return new DeadlineWebClientCustomizer(properties.getHeader(), properties.getPerTryTimeout());
		}

	}

}
