package io.github.microspring.loadbalancer;

import java.time.Clock;
import java.util.Collections;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;

import io.github.microspring.discovery.DiscoveryAutoConfiguration;
import io.github.microspring.discovery.EtcdCatalog;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClientsProperties;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancerClientRequestTransformer;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancerRetryPolicy;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.client.loadbalancer.reactive.RetryableLoadBalancerExchangeFilterFunction;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.cache.LoadBalancerCacheManager;
import org.springframework.cloud.loadbalancer.config.LoadBalancerZoneConfig;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Makes {@link MicroReactorLoadBalancer} the load balancer of every service (unless the application
 * configures its own), with ejection of failing instances, version weights and Spring Cloud's zone, weight
 * and hint metadata, and turns on Spring Cloud LoadBalancer's retries on another instance with our defaults.
 * Spring Cloud's instance suppliers and named configurations stay in place (see
 * {@link MicroLoadBalancerClientConfiguration}).
 */
@AutoConfiguration(after = DiscoveryAutoConfiguration.class,
		afterName = "org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration",
		beforeName = "org.springframework.cloud.client.loadbalancer.reactive.ReactorLoadBalancerClientAutoConfiguration")
@ConditionalOnClass(ReactorServiceInstanceLoadBalancer.class)
@ConditionalOnBooleanProperty(name = "micro.loadbalancer.enabled", matchIfMissing = true)
@EnableConfigurationProperties(LoadBalancerProperties.class)
@LoadBalancerClients(defaultConfiguration = MicroLoadBalancerClientConfiguration.class)
public class MicroLoadBalancerAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	Ejections microLoadBalancerEjections(LoadBalancerProperties properties,
			ObjectProvider<Ejections.EjectionListener> listeners) {
		return new Ejections(Clock.systemUTC(), properties.getConsecutiveFailures(),
				properties.getBaseEjectionTime(), properties.getMaxEjectionTime(),
				properties.getMaxEjectionPercent(),
				new EjectionReporter(listeners.orderedStream().toArray(Ejections.EjectionListener[]::new)));
	}

	@Bean
	@ConditionalOnMissingBean
	InstanceSelector microLoadBalancerInstanceSelector(Ejections ejections, LoadBalancerProperties properties,
			ObjectProvider<LoadBalancerZoneConfig> zone) {
		LoadBalancerZoneConfig zoneConfig = zone.getIfAvailable();
		return new InstanceSelector(ejections, properties.getVersionWeights(), properties.isFallbackToAll(),
				(zoneConfig != null) ? zoneConfig.getZone() : null);
	}

	@Bean
	@ConditionalOnMissingBean
	EjectionLifecycle microLoadBalancerEjectionLifecycle(Ejections ejections) {
		return new EjectionLifecycle(ejections);
	}

	@Bean
	static ConfigurationsCheck microLoadBalancerConfigurationsCheck(Environment environment) {
		return new ConfigurationsCheck(environment);
	}

	@Bean
	@ConditionalOnClass(LoadBalancerClientsProperties.class)
	static RetryDefaults microLoadBalancerRetryDefaults(Environment environment) {
		return new RetryDefaults(environment);
	}

	/**
	 * Spring Cloud gives WebClient its retrying filter only when spring.cloud.loadbalancer.retry.enabled is
	 * set to true explicitly, although that is the documented default; we install one, which retries other
	 * methods than GET only on failures to connect, unless the application sets the property to false.
	 * Primary, because Spring Cloud still declares its filter without retries.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ WebClient.class, RetryableLoadBalancerExchangeFilterFunction.class })
	@ConditionalOnBean(ReactiveLoadBalancer.Factory.class)
	@ConditionalOnBooleanProperty(name = "spring.cloud.loadbalancer.retry.enabled", matchIfMissing = true)
	static class ReactiveRetryConfiguration {

		@Bean
		@Primary
		@ConditionalOnMissingBean({ MethodAwareRetryFilter.class, RetryableLoadBalancerExchangeFilterFunction.class })
		MethodAwareRetryFilter microRetryingLoadBalancerExchangeFilterFunction(
				ReactiveLoadBalancer.Factory<ServiceInstance> loadBalancerFactory,
				ObjectProvider<LoadBalancerRetryPolicy.Factory> retryPolicies,
				ObjectProvider<List<LoadBalancerClientRequestTransformer>> transformers) {
			return new MethodAwareRetryFilter(loadBalancerFactory,
					retryPolicies.getIfAvailable(() -> MethodAwareRetryFilter.springCloudPolicies(loadBalancerFactory)),
					transformers.getIfAvailable(Collections::emptyList));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	static class EjectionMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		EjectionCounter microLoadBalancerEjectionCounter() {
			return new EjectionCounter();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.etcd.jetcd.Client")
	@ConditionalOnBean(EtcdCatalog.class)
	static class CatalogCacheConfiguration {

		@Bean
		CatalogCacheEviction microLoadBalancerCatalogCacheEviction(EtcdCatalog catalog, ListableBeanFactory beans) {
			// Spring Cloud declares its cache manager as no autowiring candidate: looked up, as its suppliers do
			CatalogCacheEviction eviction = new CatalogCacheEviction(
					() -> beans.getBeanProvider(LoadBalancerCacheManager.class).getIfAvailable());
			catalog.addListener(eviction);
			return eviction;
		}

	}

	/**
	 * For edge services: callers outside must not choose instances. Inside the mesh the headers stay, so that
	 * a pin travels along the call chain.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "micro.loadbalancer.strip-inbound-headers")
	@ConditionalOnWebApplication
	static class InboundHeaderConfiguration {

		@Bean
		InboundHeaders microLoadBalancerInboundHeaders(LoadBalancerProperties properties, Environment environment) {
			return InboundHeaders.of(properties.getVersionHeader(), environment);
		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
		static class ServletConfiguration {

			@Bean
			InboundHeaderServletFilter microLoadBalancerInboundHeaderFilter(InboundHeaders headers) {
				return new InboundHeaderServletFilter(headers);
			}

		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
		static class ReactiveConfiguration {

			@Bean
			InboundHeaderWebFilter microLoadBalancerInboundHeaderWebFilter(InboundHeaders headers) {
				return new InboundHeaderWebFilter(headers);
			}

		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
		@ConditionalOnClass(name = "org.springframework.cloud.gateway.filter.GlobalFilter")
		static class GatewayConfiguration {

			@Bean
			InboundHeaderGlobalFilter microLoadBalancerInboundHeaderGlobalFilter(InboundHeaders headers) {
				return new InboundHeaderGlobalFilter(headers);
			}

		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	static class ChoiceMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ChoiceCounter microLoadBalancerChoiceCounter(LoadBalancerProperties properties,
				ObjectProvider<EtcdCatalog> catalog) {
			boolean perInstance = properties.getMetrics().isPerInstance();
			ChoiceCounter counter = new ChoiceCounter(perInstance);
			if (perInstance) {
				catalog.ifAvailable((etcd) -> etcd.addListener(counter.instancePruner(etcd::getInstances)));
			}
			return counter;
		}

	}

}
