package io.github.microspring.client;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * Applies the {@link OutgoingRestClientCustomizer}s and {@link OutgoingRestTemplateCustomizer}s to every
 * {@link RestClient.Builder}, {@link RestClient} and {@link RestTemplate} bean, whoever built it. Runs after
 * initialization so that Spring Cloud's {@code @LoadBalanced} builder post-processing, done before
 * initialization, has already added its interceptor.
 */
final class OutgoingClientsPostProcessor implements BeanPostProcessor {

	private final ObjectProvider<OutgoingRestClientCustomizer> restClientCustomizers;

	private final ObjectProvider<OutgoingRestTemplateCustomizer> restTemplateCustomizers;

	OutgoingClientsPostProcessor(ObjectProvider<OutgoingRestClientCustomizer> restClientCustomizers,
			ObjectProvider<OutgoingRestTemplateCustomizer> restTemplateCustomizers) {
		this.restClientCustomizers = restClientCustomizers;
		this.restTemplateCustomizers = restTemplateCustomizers;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof RestClient.Builder builder) {
			this.restClientCustomizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
		}
		else if (bean instanceof RestClient client && this.restClientCustomizers.iterator().hasNext()) {
			// a client built outside any bean builder (RestClient.create()) is immutable: build it again
			RestClient.Builder builder = client.mutate();
			this.restClientCustomizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
			return builder.build();
		}
		else if (bean instanceof RestTemplate template) {
			this.restTemplateCustomizers.orderedStream().forEach((customizer) -> customizer.customize(template));
		}
		return bean;
	}

}
