package io.github.microspring.discovery;

import java.time.Clock;

import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.binder.MeterBinder;
import reactor.core.publisher.Flux;

import io.github.microspring.etcd.EtcdAutoConfiguration;
import io.github.microspring.etcd.EtcdProperties;
import io.github.microspring.registry.RegistryCodec;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.client.ConditionalOnBlockingDiscoveryEnabled;
import org.springframework.cloud.client.ConditionalOnDiscoveryEnabled;
import org.springframework.cloud.client.ConditionalOnReactiveDiscoveryEnabled;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.composite.reactive.ReactiveCompositeDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryClientAutoConfiguration;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Discovery through a catalog of etcd's registry kept in memory by one watch.
 */
@AutoConfiguration(after = EtcdAutoConfiguration.class,
		before = { SimpleDiscoveryClientAutoConfiguration.class, CompositeDiscoveryClientAutoConfiguration.class,
				SimpleReactiveDiscoveryClientAutoConfiguration.class,
				ReactiveCompositeDiscoveryClientAutoConfiguration.class })
@ConditionalOnClass({ Client.class, DiscoveryClient.class })
@ConditionalOnBean(Client.class)
@ConditionalOnDiscoveryEnabled
@ConditionalOnBooleanProperty(name = "micro.discovery.enabled", matchIfMissing = true)
@EnableConfigurationProperties(DiscoveryProperties.class)
public class DiscoveryAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	EtcdCatalog etcdCatalog(Client client, EtcdProperties etcd, DiscoveryProperties properties,
			ApplicationEventPublisher publisher) {
		EtcdCatalog catalog = new EtcdCatalog(client, RegistryCodec.rootPrefix(etcd.getPrefix()),
				etcd.getCallTimeout(), properties.getListPageSize(),
				properties.getRetryMinBackoff(), properties.getRetryMaxBackoff(), Clock.systemUTC());
		catalog.setResyncInterval(properties.getResyncInterval());
		catalog.setNotificationDelay(properties.getNotificationDelay());
		catalog.addListener((revision, services) -> publisher.publishEvent(new HeartbeatEvent(catalog, revision)));
		return catalog;
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBlockingDiscoveryEnabled
	static class BlockingDiscoveryConfiguration {

		@Bean
		@ConditionalOnMissingBean
		EtcdDiscoveryClient etcdDiscoveryClient(EtcdCatalog catalog, DiscoveryProperties properties) {
			return new EtcdDiscoveryClient(catalog, properties.getOrder());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(Flux.class)
	@ConditionalOnReactiveDiscoveryEnabled
	static class ReactiveDiscoveryConfiguration {

		@Bean
		@ConditionalOnMissingBean
		EtcdReactiveDiscoveryClient etcdReactiveDiscoveryClient(EtcdCatalog catalog, DiscoveryProperties properties) {
			return new EtcdReactiveDiscoveryClient(catalog, properties.getOrder());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	static class DiscoveryActuatorConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "etcdDiscoveryHealthIndicator")
		@ConditionalOnEnabledHealthIndicator("etcd-discovery")
		HealthIndicator etcdDiscoveryHealthIndicator(EtcdCatalog catalog) {
			return new CatalogHealthIndicator(catalog);
		}

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnClass(Endpoint.class)
		@ConditionalOnAvailableEndpoint
		CatalogEndpoint catalogEndpoint(EtcdCatalog catalog) {
			return new CatalogEndpoint(catalog);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class DiscoveryMetricsConfiguration {

		@Bean
		MeterBinder etcdDiscoveryMetrics(EtcdCatalog catalog) {
			return new CatalogMetrics(catalog);
		}

	}

}
