package io.github.microspring.metadata;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

import io.github.microspring.client.OutgoingClientsAutoConfiguration;

import org.springframework.beans.DirectFieldAccessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.kafka.KafkaAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.web.client.RestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.web.reactive.function.client.WebClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.ContextPropagatingTaskDecorator;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.RecordInterceptor;
import org.springframework.kafka.support.CompositeProducerInterceptor;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When metadata is carried, where, and what the application keeps of its own.
 */
class MetadataAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MetadataAutoConfiguration.class, OutgoingClientsAutoConfiguration.class,
				TaskExecutionAutoConfiguration.class));

	@Test
	void carriesMetadataOnEveryClientKindAndAcrossAsyncByDefault() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(MetadataRestClientCustomizer.class)
			.hasSingleBean(MetadataWebClientCustomizer.class)
			.hasSingleBean(ContextPropagatingTaskDecorator.class)
			.doesNotHaveBean(MetadataServletFilter.class)
			.doesNotHaveBean(MetadataWebFilter.class));
	}

	@Test
	void switchedOffCarriesNothing() {
		this.runner.withPropertyValues("micro.metadata.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(MetadataRestClientCustomizer.class)
				.doesNotHaveBean(MetadataKafka.class)
				.doesNotHaveBean(MetadataHeaders.class));
	}

	@Test
	void servletApplicationGetsTheFilter() {
		new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(MetadataAutoConfiguration.class))
			.run((context) -> assertThat(context).hasSingleBean(MetadataServletFilter.class)
				.doesNotHaveBean(MetadataWebFilter.class));
	}

	@Test
	void reactiveApplicationGetsTheWebFilter() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MetadataAutoConfiguration.class))
			.run((context) -> assertThat(context).hasSingleBean(MetadataWebFilter.class)
				.doesNotHaveBean(MetadataServletFilter.class));
	}

	@Test
	void applicationWithoutWebFluxGetsNoWebClientCustomizer() {
		this.runner.withClassLoader(new FilteredClassLoader(WebClient.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(MetadataRestClientCustomizer.class)
				.doesNotHaveBean(MetadataWebClientCustomizer.class));
	}

	@Test
	void withoutContextPropagationStepsAside() {
		this.runner.withClassLoader(new FilteredClassLoader("io.micrometer.context"))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(MetadataHeaders.class));
	}

	@Test
	void withoutKafkaNeedsNoKafka() {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.kafka"))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(MetadataKafka.class));
	}

	@Test
	void applicationsOwnTaskDecoratorWins() {
		TaskDecorator own = (runnable) -> runnable;
		this.runner.withBean("ownDecorator", TaskDecorator.class, () -> own)
			.run((context) -> assertThat(context).getBean(TaskDecorator.class).isSameAs(own));
	}

	@Test
	void overLimitSettingsAreValidated() {
		this.runner.withPropertyValues("micro.metadata.reject-status=500")
			.run((context) -> assertThat(context).getFailure().hasStackTraceContaining("micro.metadata"));
	}

	@Test
	void buildersGetTheHeadersOnce() {
		this.runner
			.withConfiguration(AutoConfigurations.of(RestClientAutoConfiguration.class, WebClientAutoConfiguration.class))
			.run((context) -> {
				RestClient.Builder builder = context.getBean(RestClient.Builder.class);
				new MetadataRestClientCustomizer().customize(builder);
				builder.requestInterceptors((interceptors) -> assertThat(interceptors)
					.filteredOn(MetadataRestClientCustomizer.Interceptor.class::isInstance)
					.hasSize(1));
				WebClient.Builder web = context.getBean(WebClient.Builder.class);
				new MetadataWebClientCustomizer().customize(web);
				web.filters((filters) -> assertThat(filters).filteredOn(MetadataWebClientCustomizer.Filter.class::isInstance)
					.hasSize(1));
			});
	}

	@Test
	void kafkaTemplatesAndListenerFactoriesKeepWhatTheApplicationSet() {
		this.runner.withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class))
			.withUserConfiguration(OwnKafkaInterceptors.class)
			.withPropertyValues("spring.kafka.bootstrap-servers=127.0.0.1:1")
			.run((context) -> {
				KafkaTemplate<?, ?> template = context.getBean(KafkaTemplate.class);
				Object producing = new DirectFieldAccessor(template).getPropertyValue("producerInterceptor");
				assertThat(producing).isInstanceOf(CompositeProducerInterceptor.class);
				List<?> delegates = (List<?>) new DirectFieldAccessor(producing).getPropertyValue("delegates");
				assertThat(delegates).hasSize(2).first().isSameAs(OwnKafkaInterceptors.PRODUCING);
				// a second pass (another feature post-processing the same template) adds nothing
				context.getBean(MetadataKafka.class).postProcessAfterInitialization(template, "kafkaTemplate");
				assertThat(new DirectFieldAccessor(template).getPropertyValue("producerInterceptor")).isSameAs(producing);

				ConcurrentKafkaListenerContainerFactory<?, ?> factory = context
					.getBean(ConcurrentKafkaListenerContainerFactory.class);
				Object consuming = new DirectFieldAccessor(factory).getPropertyValue("recordInterceptor");
				assertThat(consuming).isNotSameAs(OwnKafkaInterceptors.CONSUMING);
				context.getBean(MetadataKafka.class).postProcessAfterInitialization(factory, "factory");
				assertThat(new DirectFieldAccessor(factory).getPropertyValue("recordInterceptor")).isSameAs(consuming);
			});
	}

	@Test
	void recordsSentCarryTheCurrentMetadataWithoutOverwritingTheirOwnHeaders() {
		MetadataKafka.Producing producing = new MetadataKafka.Producing();
		ProducerRecord<Object, Object> record = new ProducerRecord<>("t", "v");
		record.headers().add("X-Tenant", "own".getBytes());
		try (Metadata.Scope scope = Metadata.of(Map.of("X-User", "alice", "X-Tenant", "acme")).open()) {
			producing.onSend(record);
		}
		assertThat(new String(record.headers().lastHeader("X-User").value())).isEqualTo("alice");
		assertThat(new String(record.headers().lastHeader("X-Tenant").value())).isEqualTo("own");
		assertThat(record.headers().headers("X-Tenant")).hasSize(1);
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnKafkaInterceptors {

		static final ProducerInterceptor<Object, Object> PRODUCING = new ProducerInterceptor<>() {

			@Override
			public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
				return record;
			}

			@Override
			public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
			}

			@Override
			public void close() {
			}

			@Override
			public void configure(Map<String, ?> configs) {
			}

		};

		static final RecordInterceptor<Object, Object> CONSUMING = (record, consumer) -> record;

		@Bean
		RecordInterceptor<Object, Object> ownRecordInterceptor() {
			return CONSUMING;
		}

		@Bean
		static org.springframework.beans.factory.config.BeanPostProcessor ownProducerInterceptor() {
			return new org.springframework.beans.factory.config.BeanPostProcessor() {

				@Override
				@SuppressWarnings({ "unchecked", "rawtypes" })
				public Object postProcessBeforeInitialization(Object bean, String beanName) {
					if (bean instanceof KafkaTemplate template) {
						template.setProducerInterceptor(PRODUCING);
					}
					return bean;
				}

			};
		}

	}

}
