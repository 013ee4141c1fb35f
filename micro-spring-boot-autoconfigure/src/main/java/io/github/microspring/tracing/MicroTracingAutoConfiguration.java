package io.github.microspring.tracing;

import io.micrometer.observation.ObservationRegistry;

import io.github.microspring.client.OutgoingClientsAutoConfiguration;
import io.github.microspring.client.OutgoingRestClientCustomizer;
import io.github.microspring.client.OutgoingRestTemplateCustomizer;
import io.github.microspring.client.OutgoingWebClientCustomizer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * What Boot's Micrometer Tracing does not already do: observe (hence trace) the HTTP clients the application
 * builds itself, and the Kafka templates and listener containers it declares itself.
 */
@AutoConfiguration(before = OutgoingClientsAutoConfiguration.class)
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBooleanProperty(name = "micro.tracing.enabled", matchIfMissing = true)
public class MicroTracingAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RestTemplate.class)
	static class BlockingClients {

		@Bean
		@ConditionalOnMissingBean(name = "microObservedRestClients")
		OutgoingRestClientCustomizer microObservedRestClients(ObjectProvider<ObservationRegistry> registry) {
			return new ObservedClients.RestClients(registry);
		}

		@Bean
		@ConditionalOnMissingBean(name = "microObservedRestTemplates")
		OutgoingRestTemplateCustomizer microObservedRestTemplates(ObjectProvider<ObservationRegistry> registry) {
			return new ObservedClients.RestTemplates(registry);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(WebClient.class)
	static class ReactiveClients {

		@Bean
		@ConditionalOnMissingBean(name = "microObservedWebClients")
		OutgoingWebClientCustomizer microObservedWebClients(ObjectProvider<ObservationRegistry> registry) {
			return new ObservedClients.WebClients(registry);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(KafkaTemplate.class)
	static class Kafka {

		@Bean
		static KafkaObservation microKafkaObservation(Environment environment) {
			return new KafkaObservation(
					environment.getProperty(TracingDefaultsEnvironmentPostProcessor.TEMPLATE, Boolean.class, true),
					environment.getProperty(TracingDefaultsEnvironmentPostProcessor.LISTENER, Boolean.class, true));
		}

	}

}
