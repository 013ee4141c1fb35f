package io.github.microspring.loadbalancer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Tracer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.loadbalancer.core.DiscoveryClientServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Beans of the per-service context Spring Cloud LoadBalancer creates for each service; registered as the
 * default configuration of every service, ahead of Spring Cloud's own, whose beans then back off.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBean({ DiscoveryClient.class, InstanceSelector.class })
class MicroLoadBalancerClientConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ReactorLoadBalancer<ServiceInstance> microReactorLoadBalancer(Environment environment,
			DiscoveryClient discoveryClient, InstanceSelector selector, LoadBalancerProperties properties,
			LoadBalancerClientFactory clientFactory, ObjectProvider<ChoiceListener> listeners) {
		String serviceId = LoadBalancerClientFactory.getName(environment);
		org.springframework.cloud.client.loadbalancer.LoadBalancerProperties springProperties = clientFactory
			.getProperties(serviceId);
		String hintHeader = (springProperties != null && springProperties.getHintHeaderName() != null)
				? springProperties.getHintHeaderName() : MicroReactorLoadBalancer.DEFAULT_HINT_HEADER;
		return new MicroReactorLoadBalancer(serviceId, discoveryClient, selector, properties.getVersionHeader(),
				hintHeader, listeners.orderedStream().toList());
	}

	/**
	 * For anything else that asks for the instance list: straight from the discovery client, like our
	 * balancer, instead of Spring Cloud's caching supplier.
	 */
	@Bean
	@ConditionalOnMissingBean
	ServiceInstanceListSupplier microServiceInstanceListSupplier(DiscoveryClient discoveryClient,
			Environment environment) {
		return new DiscoveryClientServiceInstanceListSupplier(discoveryClient, environment);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	static class ChoiceMetricsConfiguration {

		@Bean
		@ConditionalOnBean(MeterRegistry.class)
		ChoiceCounter microLoadBalancerChoiceCounter(MeterRegistry registry) {
			return new ChoiceCounter(registry);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(Tracer.class)
	static class ChoiceTracingConfiguration {

		@Bean
		@ConditionalOnBean(Tracer.class)
		SpanTagger microLoadBalancerSpanTagger(Tracer tracer) {
			return new SpanTagger(tracer);
		}

	}

}
