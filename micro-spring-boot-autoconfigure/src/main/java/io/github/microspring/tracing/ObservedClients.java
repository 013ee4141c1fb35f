package io.github.microspring.tracing;

import io.micrometer.observation.ObservationRegistry;

import io.github.microspring.client.OutgoingRestClientCustomizer;
import io.github.microspring.client.OutgoingRestTemplateCustomizer;
import io.github.microspring.client.OutgoingWebClientCustomizer;

import org.springframework.beans.DirectFieldAccessor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Gives the clients an application builds itself the {@link ObservationRegistry} that Boot gives only to the
 * builders it creates, so their calls are observed and carry the current trace to the next service. A client
 * that already has a registry keeps it; applying this twice changes nothing.
 */
final class ObservedClients {

	private ObservedClients() {
	}

	static boolean hasRegistry(Object builder) {
		try {
			Object registry = new DirectFieldAccessor(builder).getPropertyValue("observationRegistry");
			return registry != null && registry != ObservationRegistry.NOOP;
		}
		catch (RuntimeException ex) {
			// a builder of unknown shape: setting the application's registry is what Boot would do
			return false;
		}
	}

	static final class RestClients implements OutgoingRestClientCustomizer {

		private final ObjectProvider<ObservationRegistry> registry;

		RestClients(ObjectProvider<ObservationRegistry> registry) {
			this.registry = registry;
		}

		@Override
		public void customize(RestClient.Builder builder) {
			ObservationRegistry registry = this.registry.getIfUnique();
			if (registry != null && !hasRegistry(builder)) {
				builder.observationRegistry(registry);
			}
		}

	}

	static final class RestTemplates implements OutgoingRestTemplateCustomizer {

		private final ObjectProvider<ObservationRegistry> registry;

		RestTemplates(ObjectProvider<ObservationRegistry> registry) {
			this.registry = registry;
		}

		@Override
		public void customize(RestTemplate template) {
			ObservationRegistry registry = this.registry.getIfUnique();
			if (registry != null && template.getObservationRegistry() == ObservationRegistry.NOOP) {
				template.setObservationRegistry(registry);
			}
		}

	}

	static final class WebClients implements OutgoingWebClientCustomizer {

		private final ObjectProvider<ObservationRegistry> registry;

		WebClients(ObjectProvider<ObservationRegistry> registry) {
			this.registry = registry;
		}

		@Override
		public void customize(WebClient.Builder builder) {
			ObservationRegistry registry = this.registry.getIfUnique();
			if (registry != null && !hasRegistry(builder)) {
				builder.observationRegistry(registry);
			}
		}

	}

}
