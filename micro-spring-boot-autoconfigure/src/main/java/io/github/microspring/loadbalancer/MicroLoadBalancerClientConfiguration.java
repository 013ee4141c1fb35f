package io.github.microspring.loadbalancer;

import io.micrometer.tracing.Tracer;

import io.github.microspring.discovery.EtcdCatalog;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Beans of the per-service context Spring Cloud LoadBalancer creates for each service; registered as the
 * default configuration of every service, ahead of Spring Cloud's own, whose balancer then backs off. Spring
 * Cloud's instance suppliers stay (named configurations included), as Spring Cloud Zookeeper's configuration
 * keeps them: our balancer takes its instances from them, or from the etcd catalog where that gives the same
 * list fresher.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBean(InstanceSelector.class)
class MicroLoadBalancerClientConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ReactorLoadBalancer<ServiceInstance> microReactorLoadBalancer(Environment environment, InstanceSource source,
			InstanceSelector selector, LoadBalancerProperties properties, LoadBalancerClientFactory clientFactory,
			ObjectProvider<ChoiceListener> listeners) {
		String serviceId = LoadBalancerClientFactory.getName(environment);
		org.springframework.cloud.client.loadbalancer.LoadBalancerProperties springProperties = clientFactory
			.getProperties(serviceId);
		String hintHeader = (springProperties != null && springProperties.getHintHeaderName() != null)
				? springProperties.getHintHeaderName() : MicroReactorLoadBalancer.DEFAULT_HINT_HEADER;
		return new MicroReactorLoadBalancer(serviceId, source, selector, properties.getVersionHeader(), hintHeader,
				listeners.orderedStream().toList());
	}

	@Bean
	@ConditionalOnMissingBean
	InstanceSource microLoadBalancerInstanceSource(Environment environment,
			ObjectProvider<ServiceInstanceListSupplier> chain) {
		return InstanceSource.of(LoadBalancerClientFactory.getName(environment), null, chain.getIfAvailable());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.etcd.jetcd.Client")
	@ConditionalOnBean(EtcdCatalog.class)
	static class CatalogSourceConfiguration {

		@Bean
		@ConditionalOnMissingBean
		InstanceSource microLoadBalancerCatalogInstanceSource(Environment environment, EtcdCatalog catalog,
				ObjectProvider<ServiceInstanceListSupplier> chain) {
			return InstanceSource.of(LoadBalancerClientFactory.getName(environment), catalog::getInstances,
					chain.getIfAvailable());
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
