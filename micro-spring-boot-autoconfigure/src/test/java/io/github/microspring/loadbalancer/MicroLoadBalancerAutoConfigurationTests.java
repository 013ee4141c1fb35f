package io.github.microspring.loadbalancer;

import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import io.github.microspring.loadbalancer.TestInstances.InMemoryDiscoveryClient;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClientsProperties;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancedExchangeFilterFunction;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancerBeanPostProcessorAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.reactive.ReactorLoadBalancerClientAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.reactive.ReactorLoadBalancerExchangeFilterFunction;
import org.springframework.cloud.client.loadbalancer.reactive.RetryableLoadBalancerExchangeFilterFunction;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClient;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.cloud.loadbalancer.core.CachingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.DelegatingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.DiscoveryClientServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When our load balancer is the default and when it steps aside.
 */
class MicroLoadBalancerAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MicroLoadBalancerAutoConfiguration.class,
				LoadBalancerAutoConfiguration.class))
		.withBean(DiscoveryClient.class, InMemoryDiscoveryClient::new);

	@Test
	void isTheLoadBalancerOfEveryServiceByDefault() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(Ejections.class)
				.hasSingleBean(InstanceSelector.class)
				.hasSingleBean(EjectionLifecycle.class)
				.hasSingleBean(LoadBalancerProperties.class);
			LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
			assertThat(factory.getInstance("comment-service")).isInstanceOf(MicroReactorLoadBalancer.class);
			assertThat(((MicroReactorLoadBalancer) factory.getInstance("other")).getServiceId()).isEqualTo("other");
			assertThat(factory.getInstances("comment-service", LoadBalancerLifecycle.class))
				.containsValue(context.getBean(EjectionLifecycle.class));
		});
	}

	@Test
	void instanceListForOthersComesStraightFromTheDiscoveryClient() {
		this.runner.run((context) -> {
			LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
			ServiceInstanceListSupplier supplier = factory.getInstance("svc", ServiceInstanceListSupplier.class);
			// Spring Cloud's retry configuration wraps ours to avoid the previous instance
			while (supplier instanceof DelegatingServiceInstanceListSupplier delegating) {
				assertThat(supplier).isNotInstanceOf(CachingServiceInstanceListSupplier.class);
				supplier = delegating.getDelegate();
			}
			assertThat(supplier).isInstanceOf(DiscoveryClientServiceInstanceListSupplier.class);
		});
	}

	@Test
	void disabledLeavesSpringCloudsRoundRobin() {
		this.runner.withPropertyValues("micro.loadbalancer.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(Ejections.class).doesNotHaveBean(LoadBalancerProperties.class);
			assertThat(context.getBean(LoadBalancerClientFactory.class).getInstance("svc"))
				.isInstanceOf(RoundRobinLoadBalancer.class);
		});
	}

	@Test
	void backsOffWithoutSpringCloudLoadBalancer() {
		this.runner.withClassLoader(new FilteredClassLoader(ReactorServiceInstanceLoadBalancer.class))
			.run((context) -> assertThat(context).doesNotHaveBean(Ejections.class));
	}

	@Test
	void usersOwnLoadBalancerBeanWins() {
		this.runner.withUserConfiguration(OwnLoadBalancer.class).run((context) -> {
			assertThat(context.getBean(LoadBalancerClientFactory.class).getInstance("svc"))
				.isSameAs(context.getBean("ownLoadBalancer"));
		});
	}

	@Test
	void usersOwnConfigurationForOneServiceWinsForThatService() {
		this.runner.withUserConfiguration(OwnClientConfiguration.class).run((context) -> {
			LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
			assertThat(factory.getInstance("special")).isInstanceOf(FixedLoadBalancer.class);
			assertThat(factory.getInstance("svc")).isInstanceOf(MicroReactorLoadBalancer.class);
		});
	}

	@Test
	void bindsPropertiesWithDottedVersions() {
		this.runner
			.withPropertyValues("micro.loadbalancer.consecutive-failures=5",
					"micro.loadbalancer.base-ejection-time=2s", "micro.loadbalancer.max-ejection-time=1m",
					"micro.loadbalancer.max-ejection-percent=30",
					"micro.loadbalancer.version-weights.comment-service.[1.0.0]=90",
					"micro.loadbalancer.version-weights.comment-service.1.1.0=10",
					"micro.loadbalancer.version-header=X-Canary", "micro.loadbalancer.fallback-to-all=false")
			.run((context) -> {
				LoadBalancerProperties properties = context.getBean(LoadBalancerProperties.class);
				assertThat(properties.getConsecutiveFailures()).isEqualTo(5);
				assertThat(properties.getBaseEjectionTime()).hasSeconds(2);
				assertThat(properties.getMaxEjectionTime()).hasSeconds(60);
				assertThat(properties.getMaxEjectionPercent()).isEqualTo(30);
				assertThat(properties.getVersionWeights())
					.containsEntry("comment-service", Map.of("1.0.0", 90, "1.1.0", 10));
				assertThat(properties.getVersionHeader()).isEqualTo("X-Canary");
				assertThat(properties.isFallbackToAll()).isFalse();
			});
	}

	@Test
	void ownZoneComesFromSpringCloudsZoneSetting() {
		this.runner.withPropertyValues("spring.cloud.loadbalancer.zone=eu-1").run((context) -> {
			InstanceSelector selector = context.getBean(InstanceSelector.class);
			List<ServiceInstance> list = List.of(TestInstances.instance("svc", "far", 1, Map.of("zone", "us-1")),
					TestInstances.instance("svc", "near", 2, Map.of("zone", "eu-1")));
			assertThat(selector.choose("svc", list, null, null).getInstanceId()).isEqualTo("near");
			assertThat(selector.choose("svc", list, null, null).getInstanceId()).isEqualTo("near");
		});
	}

	@Test
	void impossibleEjectionSettingsFailAtStartup() {
		this.runner.withPropertyValues("micro.loadbalancer.consecutive-failures=0")
			.run((context) -> assertThat(context).hasFailed());
	}

	@Test
	void retriesTryTwoOtherInstancesByDefault() {
		this.runner.run((context) -> {
			LoadBalancerClientsProperties properties = context.getBean(LoadBalancerClientsProperties.class);
			assertThat(properties.getRetry().isEnabled()).isTrue();
			assertThat(properties.getRetry().getMaxRetriesOnNextServiceInstance()).isEqualTo(2);
			assertThat(properties.getRetry().getMaxRetriesOnSameServiceInstance()).isZero();
			assertThat(properties.getRetry().isRetryOnAllOperations()).isFalse();
		});
	}

	@Test
	void retrySettingsOfTheApplicationAreKept() {
		this.runner.withPropertyValues("spring.cloud.loadbalancer.retry.maxRetriesOnNextServiceInstance=1")
			.run((context) -> assertThat(context.getBean(LoadBalancerClientsProperties.class)
				.getRetry()
				.getMaxRetriesOnNextServiceInstance()).isEqualTo(1));
	}

	@Test
	void webClientRetriesOnAnotherInstanceByDefault() {
		this.runner
			.withConfiguration(AutoConfigurations.of(ReactorLoadBalancerClientAutoConfiguration.class,
					LoadBalancerBeanPostProcessorAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(MethodAwareRetryFilter.class);
				assertThat(context.getBean(LoadBalancedExchangeFilterFunction.class))
					.isInstanceOf(MethodAwareRetryFilter.class);
			});
	}

	@Test
	void explicitlyEnabledRetriesStillGoThroughOurFilter() {
		this.runner
			.withConfiguration(AutoConfigurations.of(ReactorLoadBalancerClientAutoConfiguration.class,
					LoadBalancerBeanPostProcessorAutoConfiguration.class))
			.withPropertyValues("spring.cloud.loadbalancer.retry.enabled=true")
			.run((context) -> assertThat(context.getBean(LoadBalancedExchangeFilterFunction.class))
				.isInstanceOf(MethodAwareRetryFilter.class));
	}

	@Test
	void webClientRetriesCanBeSwitchedOff() {
		this.runner
			.withConfiguration(AutoConfigurations.of(ReactorLoadBalancerClientAutoConfiguration.class,
					LoadBalancerBeanPostProcessorAutoConfiguration.class))
			.withPropertyValues("spring.cloud.loadbalancer.retry.enabled=false")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(MethodAwareRetryFilter.class)
					.doesNotHaveBean(RetryableLoadBalancerExchangeFilterFunction.class);
				assertThat(context.getBean(LoadBalancedExchangeFilterFunction.class))
					.isInstanceOf(ReactorLoadBalancerExchangeFilterFunction.class);
			});
	}

	@Test
	void ejectionsAreCountedWhenMetricsArePresent() {
		this.runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run((context) -> {
			assertThat(context).hasSingleBean(EjectionCounter.class);
			context.getBean(EjectionCounter.class).bindTo(context.getBean(MeterRegistry.class));
			Ejections ejections = context.getBean(Ejections.class);
			ServiceInstance node = TestInstances.instance("svc", "a", 1);
			ejections.instancesChanged("svc", List.of(node, TestInstances.instance("svc", "b", 2)));
			for (int i = 0; i < 3; i++) {
				ejections.recordFailure(node);
			}
			assertThat(context.getBean(MeterRegistry.class).get(EjectionCounter.NAME).counter().count()).isEqualTo(1);
		});
	}

	@Test
	void choicesAreCountedWhenMetricsArePresent() {
		this.runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run((context) -> {
			LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
			assertThat(factory.getInstances("svc", ChoiceListener.class)).hasSize(1);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnLoadBalancer {

		@Bean
		ReactorLoadBalancer<ServiceInstance> ownLoadBalancer() {
			return new FixedLoadBalancer();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@LoadBalancerClient(name = "special", configuration = OwnLoadBalancer.class)
	static class OwnClientConfiguration {

	}

	static class FixedLoadBalancer implements ReactorServiceInstanceLoadBalancer {

		@Override
		@SuppressWarnings("rawtypes")
		public Mono<Response<ServiceInstance>> choose(Request request) {
			return Mono.just(new EmptyResponse());
		}

	}

}
