package io.github.microspring.tracing;

import java.util.Map;

import io.micrometer.context.ContextRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.junit.jupiter.api.Test;

import io.github.microspring.client.OutgoingClientsAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.test.util.ReflectionTestUtils;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

class MicroTracingAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(MicroTracingAutoConfiguration.class, ObservationScopeAutoConfiguration.class,
					OutgoingClientsAutoConfiguration.class))
		.withBean(ObservationRegistry.class, ObservationRegistry::create)
		.withUserConfiguration(UserClients.class);

	@Test
	void clientsTheApplicationBuildsItselfGetTheApplicationsObservationRegistry() {
		this.runner.run((context) -> {
			ObservationRegistry registry = context.getBean(ObservationRegistry.class);
			assertThat(registryOf(context.getBean(RestClient.Builder.class))).isSameAs(registry);
			assertThat(registryOf(context.getBean(WebClient.Builder.class))).isSameAs(registry);
			assertThat(context.getBean("plainTemplate", RestTemplate.class).getObservationRegistry()).isSameAs(registry);
		});
	}

	@Test
	void aClientWithItsOwnRegistryKeepsIt() {
		this.runner.run((context) -> {
			RestTemplate own = context.getBean("ownRegistryTemplate", RestTemplate.class);
			assertThat(own.getObservationRegistry()).isNotSameAs(context.getBean(ObservationRegistry.class));
			RestClient.Builder builder = RestClient.builder();
			ObservationRegistry other = ObservationRegistry.create();
			builder.observationRegistry(other);
			new ObservedClients.RestClients(context.getBeanProvider(ObservationRegistry.class)).customize(builder);
			assertThat(registryOf(builder)).isSameAs(other);
		});
	}

	@Test
	void contextPropagationKeepsTheCurrentObservationsScope() {
		this.runner.run((context) -> {
			assertThat(context).hasBean("microObservationScopeReuse");
			assertThat(ContextRegistry.getInstance().getThreadLocalAccessors())
				.anySatisfy((accessor) -> assertThat(accessor).isInstanceOf(CurrentObservationAccessor.class))
				.noneSatisfy((accessor) -> assertThat(accessor).isInstanceOf(ObservationThreadLocalAccessor.class));
		});
	}

	@Test
	void observedClientsOffLeavesTheObservationScopesKept() {
		this.runner.withPropertyValues("micro.tracing.enabled=false")
			.run((context) -> assertThat(context).hasBean("microObservationScopeReuse"));
	}

	@Test
	void micrometersAccessorStaysWhenAsked() {
		this.runner.withPropertyValues("micro.tracing.reuse-observation-scope=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean("microObservationScopeReuse"));
	}

	@Test
	void isOffWhenDisabled() {
		this.runner.withPropertyValues("micro.tracing.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean("microObservedRestClients");
			assertThat(registryOf(context.getBean(RestClient.Builder.class))).isSameAs(ObservationRegistry.NOOP);
		});
	}

	@Test
	void withoutWebFluxOnlyTheBlockingClientsAreCustomized() {
		this.runner.withClassLoader(new FilteredClassLoader(WebClient.class))
			.withUserConfiguration(BlockingOnly.class)
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean("microObservedWebClients");
				assertThat(context).hasBean("microObservedRestClients");
			});
	}

	@Test
	void kafkaTemplatesAndListenerFactoriesTheApplicationDeclaresAreObserved() {
		this.runner.withUserConfiguration(UserKafka.class).run((context) -> {
			KafkaTemplate<?, ?> template = context.getBean(KafkaTemplate.class);
			assertThat(ReflectionTestUtils.getField(template, "observationEnabled")).isEqualTo(true);
			assertThat(context.getBean(ConcurrentKafkaListenerContainerFactory.class)
				.getContainerProperties()
				.isObservationEnabled()).isTrue();
		});
	}

	@Test
	void bootsKafkaObservationPropertiesDefaultToTrueAndTheUsersValueWins() {
		MockEnvironment environment = new MockEnvironment();
		new TracingDefaultsEnvironmentPostProcessor().postProcessEnvironment(environment, null);
		assertThat(environment.getProperty("spring.kafka.template.observation-enabled")).isEqualTo("true");
		assertThat(environment.getProperty("spring.kafka.listener.observation-enabled")).isEqualTo("true");
		MockEnvironment user = new MockEnvironment().withProperty("spring.kafka.template.observation-enabled", "false");
		new TracingDefaultsEnvironmentPostProcessor().postProcessEnvironment(user, null);
		assertThat(user.getProperty("spring.kafka.template.observation-enabled")).isEqualTo("false");
	}

	@Test
	void zipkinExportIsOffUntilAnEndpointIsSet() {
		MockEnvironment none = new MockEnvironment();
		new TracingDefaultsEnvironmentPostProcessor().postProcessEnvironment(none, null);
		assertThat(none.getProperty("management.zipkin.tracing.export.enabled")).isEqualTo("false");
		MockEnvironment endpoint = new MockEnvironment().withProperty("management.zipkin.tracing.endpoint",
				"http://127.0.0.1:9411/api/v2/spans");
		new TracingDefaultsEnvironmentPostProcessor().postProcessEnvironment(endpoint, null);
		assertThat(endpoint.getProperty("management.zipkin.tracing.export.enabled")).isNull();
		MockEnvironment forced = new MockEnvironment().withProperty("management.zipkin.tracing.export.enabled", "true");
		new TracingDefaultsEnvironmentPostProcessor().postProcessEnvironment(forced, null);
		assertThat(forced.getProperty("management.zipkin.tracing.export.enabled")).isEqualTo("true");
	}

	private static Object registryOf(Object builder) {
		return ReflectionTestUtils.getField(builder, "observationRegistry");
	}

	@Configuration(proxyBeanMethods = false)
	static class UserClients {

		@Bean
		RestClient.Builder userRestClientBuilder() {
			return RestClient.builder();
		}

		@Bean
		WebClient.Builder userWebClientBuilder() {
			return WebClient.builder();
		}

		@Bean
		RestTemplate plainTemplate() {
			return new RestTemplate();
		}

		@Bean
		RestTemplate ownRegistryTemplate() {
			RestTemplate template = new RestTemplate();
			template.setObservationRegistry(ObservationRegistry.create());
			return template;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BlockingOnly {

	}

	@Configuration(proxyBeanMethods = false)
	static class UserKafka {

		@Bean
		KafkaTemplate<String, String> userKafkaTemplate() {
			return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(Map.of()));
		}

		@Bean
		ConcurrentKafkaListenerContainerFactory<String, String> userListenerFactory() {
			return new ConcurrentKafkaListenerContainerFactory<>();
		}

	}

}
