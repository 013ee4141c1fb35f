package io.github.microspring.registry;

import java.time.Clock;

import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.github.microspring.etcd.EtcdAutoConfiguration;
import io.github.microspring.etcd.EtcdProperties;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.info.BuildProperties;
import org.springframework.cloud.client.serviceregistry.AutoServiceRegistrationAutoConfiguration;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.cloud.commons.util.InetUtils;
import org.springframework.cloud.commons.util.InetUtilsProperties;
import org.springframework.cloud.commons.util.UtilAutoConfiguration;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Registers this application in etcd under a lease kept alive by heartbeats.
 */
@AutoConfiguration(after = { EtcdAutoConfiguration.class, UtilAutoConfiguration.class },
		before = AutoServiceRegistrationAutoConfiguration.class)
@ConditionalOnClass({ Client.class, ServiceRegistry.class })
@ConditionalOnBean(Client.class)
@ConditionalOnBooleanProperty(name = "micro.registry.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "spring.cloud.service-registry.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RegistryProperties.class)
public class RegistryAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	EtcdRegistration etcdRegistration(RegistryProperties properties, Environment environment,
			ObjectProvider<BuildProperties> build, ObjectProvider<InetUtils> inetUtils) {
		BuildProperties buildProperties = build.getIfAvailable();
		return RegistrationFactory.create(properties, environment,
				(buildProperties != null) ? buildProperties.getVersion() : null,
				inetUtils.getIfAvailable(() -> new InetUtils(new InetUtilsProperties())));
	}

	@Bean
	@ConditionalOnMissingBean
	EtcdServiceRegistry etcdServiceRegistry(Client client, EtcdProperties etcd, RegistryProperties properties,
			ObjectProvider<RegisteredKeyView> view) {
		return new EtcdServiceRegistry(client, etcd.getPrefix(), properties.getLeaseTtl(),
				properties.getRegisterInterval(), etcd.getCallTimeout(), view::getIfAvailable, Clock.systemUTC());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "spring.cloud.service-registry.auto-registration.enabled",
			matchIfMissing = true)
	EtcdAutoServiceRegistration etcdAutoServiceRegistration(EtcdServiceRegistry registry,
			EtcdRegistration registration, RegistryProperties properties, ApplicationEventPublisher events) {
		return new EtcdAutoServiceRegistration(registry, registration, properties.getPort() != null, events);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	@ConditionalOnEnabledHealthIndicator("etcd-registration")
	static class RegistryHealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "etcdRegistrationHealthIndicator")
		HealthIndicator etcdRegistrationHealthIndicator(EtcdServiceRegistry registry, EtcdRegistration registration) {
			return new RegistrationHealthIndicator(registry, registration);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class RegistryMetricsConfiguration {

		@Bean
		MeterBinder etcdRegistryMetrics(EtcdServiceRegistry registry) {
			return (MeterRegistry meters) -> {
				FunctionCounter.builder("micro.registry.lease.renewals", registry, (r) -> sum(r, LeaseKeeper::renewals))
					.description("Lease renewals answered by etcd")
					.register(meters);
				FunctionCounter
					.builder("micro.registry.registrations", registry, (r) -> sum(r, LeaseKeeper::registrations))
					.description("Puts of the registry key; more than one means the registration was repaired")
					.register(meters);
				FunctionCounter
					.builder("micro.registry.registration.failures", registry, (r) -> sum(r, LeaseKeeper::failures))
					.description("Registration attempts that failed and were retried")
					.register(meters);
			};
		}

		private static double sum(EtcdServiceRegistry registry, java.util.function.ToLongFunction<LeaseKeeper> value) {
			long total = 0;
			for (LeaseKeeper keeper : registry.keepers()) {
				total += value.applyAsLong(keeper);
			}
			return total;
		}

	}

}
