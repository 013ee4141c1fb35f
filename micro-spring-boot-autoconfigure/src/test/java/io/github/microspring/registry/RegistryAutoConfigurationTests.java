package io.github.microspring.registry;

import java.util.Map;

import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;

import io.github.microspring.discovery.DiscoveryAutoConfiguration;
import io.github.microspring.discovery.EtcdCatalog;
import io.github.microspring.discovery.EtcdDiscoveryClient;
import io.github.microspring.discovery.EtcdReactiveDiscoveryClient;
import io.github.microspring.etcd.EtcdAutoConfiguration;
import io.github.microspring.etcd.EtcdClientBuilderCustomizer;

import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.cloud.commons.util.UtilAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conditions of the etcd, registry and discovery auto-configurations. Contexts are not refreshed far
 * enough to reach etcd: no lifecycle starts in a runner context until it is refreshed, and nothing
 * here calls etcd on creation.
 */
class RegistryAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(EtcdAutoConfiguration.class, UtilAutoConfiguration.class,
				RegistryAutoConfiguration.class, DiscoveryAutoConfiguration.class,
				HealthContributorAutoConfiguration.class))
		.withPropertyValues("spring.application.name=orders", "micro.etcd.endpoints=http://127.0.0.1:1",
				"micro.etcd.call-timeout=200ms", "micro.etcd.connect-timeout=200ms");

	@Test
	void registersAndDiscoversByDefault() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(Client.class)
				.hasSingleBean(EtcdServiceRegistry.class)
				.hasSingleBean(EtcdAutoServiceRegistration.class)
				.hasSingleBean(EtcdCatalog.class)
				.hasSingleBean(EtcdDiscoveryClient.class)
				.hasSingleBean(EtcdReactiveDiscoveryClient.class)
				.hasBean("etcdRegistrationHealthIndicator")
				.hasBean("etcdDiscoveryHealthIndicator");
			EtcdRegistration registration = context.getBean(EtcdRegistration.class);
			assertThat(registration.getServiceId()).isEqualTo("orders");
			assertThat(registration.getMetadata()).containsEntry("version", "latest")
				.containsEntry("protocol", "http");
		});
	}

	@Test
	void registryCanBeSwitchedOffWhileDiscoveryStays() {
		this.runner.withPropertyValues("micro.registry.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(ServiceRegistry.class).doesNotHaveBean(EtcdRegistration.class);
			assertThat(context).hasSingleBean(EtcdDiscoveryClient.class);
		});
	}

	@Test
	void discoveryCanBeSwitchedOffWhileRegistryStays() {
		this.runner.withPropertyValues("micro.discovery.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(EtcdCatalog.class).doesNotHaveBean(DiscoveryClient.class);
			assertThat(context).hasSingleBean(EtcdServiceRegistry.class);
		});
	}

	@Test
	void springCloudSwitchesAreHonoured() {
		this.runner
			.withPropertyValues("spring.cloud.discovery.enabled=false",
					"spring.cloud.service-registry.auto-registration.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(EtcdCatalog.class)
				.doesNotHaveBean(EtcdAutoServiceRegistration.class));
		this.runner.withPropertyValues("spring.cloud.discovery.reactive.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(EtcdDiscoveryClient.class)
				.doesNotHaveBean(EtcdReactiveDiscoveryClient.class));
	}

	@Test
	void keepsTheServiceRegistryWhenOnlyAutoRegistrationIsOff() {
		this.runner.withPropertyValues("spring.cloud.service-registry.auto-registration.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(EtcdAutoServiceRegistration.class)
				.hasSingleBean(EtcdServiceRegistry.class)
				.hasSingleBean(EtcdRegistration.class)
				.hasBean("etcdRegistrationHealthIndicator"));
	}

	@Test
	void serviceRegistryCanBeSwitchedOffTheSpringCloudWay() {
		this.runner.withPropertyValues("spring.cloud.service-registry.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ServiceRegistry.class)
				.doesNotHaveBean(EtcdAutoServiceRegistration.class)
				.hasSingleBean(EtcdDiscoveryClient.class));
	}

	@Test
	void failsAtStartupNamingAnInvalidRegistryProperty() {
		Map.of("micro.registry.register-interval=0", "micro.registry.register-interval",
				"micro.registry.register-interval=-1s", "micro.registry.register-interval",
				"micro.registry.lease-ttl=1s", "micro.registry.lease-ttl",
				"micro.registry.lease-ttl=0", "micro.registry.lease-ttl",
				"micro.registry.port=70000", "micro.registry.port")
			.forEach((setting, property) -> this.runner.withPropertyValues(setting)
				.run((context) -> assertThat(context).getFailure()
					.as(setting)
					.hasStackTraceContaining(property)));
	}

	@Test
	void healthIndicatorsCanBeSwitchedOff() {
		this.runner
			.withPropertyValues("management.health.etcd-registration.enabled=false",
					"management.health.etcd-discovery.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean("etcdRegistrationHealthIndicator")
				.doesNotHaveBean("etcdDiscoveryHealthIndicator"));
	}

	@Test
	void usersOwnBeansWin() {
		this.runner.withUserConfiguration(UserBeans.class).run((context) -> {
			assertThat(context.getBean(Client.class)).isSameAs(UserBeans.CLIENT);
			assertThat(context.getBean(EtcdRegistration.class).getInstanceId()).isEqualTo("mine");
		});
	}

	@Test
	void customizersShapeTheClient() {
		this.runner.withBean(EtcdClientBuilderCustomizer.class, () -> (builder) -> builder.namespace(
				io.etcd.jetcd.ByteSequence.from("/tenant-a", java.nio.charset.StandardCharsets.UTF_8)))
			.run((context) -> assertThat(context).hasSingleBean(Client.class));
	}

	@Test
	void nothingWithoutJetcd() {
		this.runner.withClassLoader(new FilteredClassLoader(Client.class))
			.run((context) -> assertThat(context).doesNotHaveBean(EtcdServiceRegistry.class)
				.doesNotHaveBean(EtcdCatalog.class)
				.doesNotHaveBean("etcdClient"));
	}

	@Test
	void nothingWithoutSpringCloudCommons() {
		this.runner.withClassLoader(new FilteredClassLoader(ServiceRegistry.class, DiscoveryClient.class))
			.run((context) -> assertThat(context).hasSingleBean(Client.class)
				.doesNotHaveBean(EtcdServiceRegistry.class)
				.doesNotHaveBean(EtcdCatalog.class));
	}

	@Test
	void noHealthIndicatorsWithoutActuator() {
		this.runner
			.withClassLoader(new FilteredClassLoader(org.springframework.boot.actuate.health.HealthIndicator.class))
			.run((context) -> assertThat(context).hasSingleBean(EtcdServiceRegistry.class)
				.doesNotHaveBean("etcdRegistrationHealthIndicator")
				.doesNotHaveBean("etcdDiscoveryHealthIndicator"));
	}

	@Test
	void failsAtStartupNamingThePropertyWhenThereIsNoServiceName() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(EtcdAutoConfiguration.class, RegistryAutoConfiguration.class))
			.withPropertyValues("micro.etcd.endpoints=http://127.0.0.1:1")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("micro.registry.service-name"));
	}

	@Test
	void failsAtStartupNamingThePropertyWhenAnEndpointIsNotAUrl() {
		this.runner.withPropertyValues("micro.etcd.endpoints=127.0.0.1")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("micro.etcd.endpoints"));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		static final Client CLIENT = Client.builder().endpoints("http://127.0.0.1:1").build();

		@Bean
		Client myClient() {
			return CLIENT;
		}

		@Bean
		EtcdRegistration myRegistration() {
			return new EtcdRegistration("orders", "9", "mine", "10.1.1.1", 80, false, Map.of());
		}

	}

}
