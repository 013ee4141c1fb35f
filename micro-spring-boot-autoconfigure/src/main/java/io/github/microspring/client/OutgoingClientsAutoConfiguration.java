package io.github.microspring.client;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.web.client.RestTemplateCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Makes what the starter does to outgoing calls (metadata, deadlines, tracing) reach every HTTP client the
 * application builds. Boot's client customizers reach only the builders Boot creates; an application that
 * declares its own {@code @LoadBalanced RestClient.builder()}, {@code WebClient.builder()} or
 * {@code new RestTemplate()}, as Spring Cloud's documentation shows, would otherwise get none of it. The
 * {@code Outgoing*Customizer} beans are applied to those beans and to Boot's builders alike.
 */
@AutoConfiguration
@ConditionalOnClass(RestTemplate.class)
public class OutgoingClientsAutoConfiguration {

	@Bean
	static OutgoingClientsPostProcessor microOutgoingClientsPostProcessor(
			ObjectProvider<OutgoingRestClientCustomizer> restClientCustomizers,
			ObjectProvider<OutgoingRestTemplateCustomizer> restTemplateCustomizers) {
		return new OutgoingClientsPostProcessor(restClientCustomizers, restTemplateCustomizers);
	}

	/** Templates built by Boot's {@code RestTemplateBuilder} that are not beans themselves. */
	@Bean
	RestTemplateCustomizer microOutgoingRestTemplateCustomizer(
			ObjectProvider<OutgoingRestTemplateCustomizer> restTemplateCustomizers) {
		return (template) -> restTemplateCustomizers.orderedStream()
			.forEach((customizer) -> customizer.customize(template));
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(WebClient.class)
	static class WebClients {

		@Bean
		static OutgoingWebClientsPostProcessor microOutgoingWebClientsPostProcessor(
				ObjectProvider<OutgoingWebClientCustomizer> customizers) {
			return new OutgoingWebClientsPostProcessor(customizers);
		}

	}

}
