package io.github.microspring.client;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Applies the {@link OutgoingWebClientCustomizer}s to every {@link WebClient.Builder} and {@link WebClient}
 * bean, whoever built it. Runs after initialization so that Spring Cloud's {@code @LoadBalanced} builder
 * post-processing, done before initialization, has already added its filter. Kept apart from
 * {@link OutgoingClientsPostProcessor} so that applications without spring-webflux never load WebClient.
 */
final class OutgoingWebClientsPostProcessor implements BeanPostProcessor {

	private final ObjectProvider<OutgoingWebClientCustomizer> customizers;

	OutgoingWebClientsPostProcessor(ObjectProvider<OutgoingWebClientCustomizer> customizers) {
		this.customizers = customizers;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof WebClient.Builder builder) {
			this.customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
		}
		else if (bean instanceof WebClient client && this.customizers.iterator().hasNext()) {
			// a client built outside any bean builder (WebClient.create()) is immutable: build it again
			WebClient.Builder builder = client.mutate();
			this.customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
			return builder.build();
		}
		return bean;
	}

}
