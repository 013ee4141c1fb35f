package io.github.microspring.metadata;

import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.ContextPropagatingTaskDecorator;
import org.springframework.lang.Nullable;
import org.springframework.util.ClassUtils;

/**
 * Carries chosen request headers as {@link Metadata} from incoming requests and Kafka records to every
 * outgoing call and record, across thread hops.
 */
@AutoConfiguration(before = TaskExecutionAutoConfiguration.class)
@ConditionalOnClass(ThreadLocalAccessor.class)
@ConditionalOnBooleanProperty(name = "micro.metadata.enabled", matchIfMissing = true)
@EnableConfigurationProperties(MetadataProperties.class)
public class MetadataAutoConfiguration {

	private static final boolean METRICS_PRESENT = ClassUtils.isPresent("io.micrometer.core.instrument.MeterRegistry",
			MetadataAutoConfiguration.class.getClassLoader());

	@Bean
	MetadataHeaders microMetadataHeaders(MetadataProperties properties, BeanFactory beans) {
		return MetadataHeaders.of(properties, droppedCounter(beans));
	}

	@Bean
	MetadataRejection microMetadataRejection(MetadataProperties properties) {
		return new MetadataRejection(properties.getRejectStatus(), properties.getMaxEntries(),
				properties.getMaxSize().toBytes());
	}

	/**
	 * Makes {@code @Async} methods and Boot's task executor carry the metadata and the deadline, unless the
	 * application has a decorator of its own.
	 */
	@Bean
	@ConditionalOnMissingBean(TaskDecorator.class)
	ContextPropagatingTaskDecorator microContextPropagatingTaskDecorator() {
		return new ContextPropagatingTaskDecorator();
	}

	@Nullable
	static MetadataMdc mdc(MetadataProperties properties) {
		return properties.getMdc().isEnabled() ? new MetadataMdc(properties.getMdc().getPrefix()) : null;
	}

	private static Runnable droppedCounter(BeanFactory beans) {
		if (!METRICS_PRESENT) {
			return () -> {
			};
		}
		return Metrics.dropped(beans.getBeanProvider(MeterRegistry.class));
	}

	/**
	 * Kept apart so that Micrometer's classes are only loaded when they are there.
	 */
	private static final class Metrics {

		static Runnable dropped(ObjectProvider<MeterRegistry> registries) {
			return () -> registries.ifAvailable((registry) -> registry.counter("micro.metadata.dropped").increment());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	static class ServletConfiguration {

		@Bean
		@ConditionalOnMissingBean
		MetadataServletFilter microMetadataServletFilter(MetadataHeaders headers, MetadataRejection rejection,
				MetadataProperties properties) {
			return new MetadataServletFilter(headers, rejection, mdc(properties));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	static class ReactiveConfiguration {

		@Bean
		@ConditionalOnMissingBean
		MetadataWebFilter microMetadataWebFilter(MetadataHeaders headers, MetadataRejection rejection,
				MetadataProperties properties) {
			return new MetadataWebFilter(headers, rejection, mdc(properties));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.web.client.RestClient")
	static class RestClientConfiguration {

		@Bean
		@ConditionalOnMissingBean
		MetadataRestClientCustomizer microMetadataRestClientCustomizer() {
			return new MetadataRestClientCustomizer();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.web.reactive.function.client.WebClient")
	static class WebClientConfiguration {

		@Bean
		@ConditionalOnMissingBean
		MetadataWebClientCustomizer microMetadataWebClientCustomizer() {
			return new MetadataWebClientCustomizer();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.kafka.core.KafkaTemplate")
	static class KafkaConfiguration {

		/**
		 * A post-processor is created before the properties bean: it binds them itself.
		 */
		@Bean
		static MetadataKafka microMetadataKafka(Environment environment,
				BeanFactory beans) {
			MetadataProperties properties = Binder.get(environment)
				.bind("micro.metadata", MetadataProperties.class)
				.orElseGet(MetadataProperties::new);
			return new MetadataKafka(MetadataHeaders.of(properties, droppedCounter(beans)), mdc(properties));
		}

	}

}
