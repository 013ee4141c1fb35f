package io.github.microspring.loadbalancer;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

import io.github.microspring.loadbalancer.TestInstances.InMemoryDiscoveryClient;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClientsProperties;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancedExchangeFilterFunction;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancerBeanPostProcessorAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.client.loadbalancer.reactive.ReactorLoadBalancerClientAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.reactive.ReactorLoadBalancerExchangeFilterFunction;
import org.springframework.cloud.client.loadbalancer.reactive.RetryableLoadBalancerExchangeFilterFunction;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClient;
import org.springframework.cloud.loadbalancer.cache.CaffeineBasedLoadBalancerCacheManager;
import org.springframework.cloud.loadbalancer.cache.LoadBalancerCacheManager;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.cloud.loadbalancer.config.LoadBalancerCacheAutoConfiguration;
import org.springframework.cloud.loadbalancer.core.CachingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.DelegatingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.DiscoveryClientServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.SubsetServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.util.LinkedMultiValueMap;

import static io.github.microspring.loadbalancer.TestInstances.instances;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * When our load balancer is the default and when it steps aside.
 */
@ExtendWith(OutputCaptureExtension.class)
class MicroLoadBalancerAutoConfigurationTests {

	private final InMemoryDiscoveryClient discovery = new InMemoryDiscoveryClient();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MicroLoadBalancerAutoConfiguration.class,
				LoadBalancerAutoConfiguration.class))
		.withBean(DiscoveryClient.class, () -> this.discovery);

	@Test
	void ejectionStateIsReadableAsEjectedInstances() {
		this.runner.run((context) -> assertThat(context.getBean(EjectedInstances.class))
			.isSameAs(context.getBean(Ejections.class)));
	}

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
	void springCloudsInstanceSupplierStays() {
		this.runner.run((context) -> {
			LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
			assertThat(factory.getInstances("svc", ServiceInstanceListSupplier.class))
				.containsKey("discoveryClientServiceInstanceListSupplier");
			assertThat(chain(factory.getInstance("svc", ServiceInstanceListSupplier.class)))
				.last()
				.isInstanceOf(DiscoveryClientServiceInstanceListSupplier.class);
		});
	}

	@Test
	void balancesWithoutEtcdOnTheClasspath() {
		this.runner.withClassLoader(new FilteredClassLoader("io.etcd.jetcd"))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> {
				this.discovery.set("svc", instances("svc", 2));
				assertThat(context).hasSingleBean(ChoiceCounter.class);
				LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
				assertThat(List.of(choose(factory, "svc", ReactiveLoadBalancer.REQUEST).getInstanceId(),
						choose(factory, "svc", ReactiveLoadBalancer.REQUEST).getInstanceId()))
					.containsExactlyInAnyOrder("svc-0", "svc-1");
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
	void choicesAreCountedPerServiceByDefault() {
		this.runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run((context) -> {
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			context.getBean(ChoiceCounter.class).bindTo(meters);
			this.discovery.set("svc", instances("svc", 2));
			LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
			for (int i = 0; i < 3; i++) {
				choose(factory, "svc", ReactiveLoadBalancer.REQUEST);
			}
			assertThat(meters.get(ChoiceCounter.NAME).tags("service", "svc").counter().count()).isEqualTo(3);
			assertThat(meters.find(ChoiceCounter.INSTANCE_NAME).meters()).isEmpty();
		});
	}

	@Test
	void choicesAreCountedPerInstanceWhenAsked() {
		this.runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withPropertyValues("micro.loadbalancer.metrics.per-instance=true")
			.run((context) -> {
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				context.getBean(ChoiceCounter.class).bindTo(meters);
				this.discovery.set("svc", instances("svc", 2));
				LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
				for (int i = 0; i < 4; i++) {
					choose(factory, "svc", ReactiveLoadBalancer.REQUEST);
				}
				assertThat(meters.get(ChoiceCounter.INSTANCE_NAME).tags("instance", "svc-0").counter().count())
					.isEqualTo(2);
			});
	}

	@Test
	void namedConfigurationShapesTheInstanceList() {
		this.runner
			.withPropertyValues("spring.cloud.loadbalancer.configurations=subset",
					"spring.cloud.loadbalancer.subset.size=2", "spring.cloud.loadbalancer.subset.instance-id=me")
			.run((context) -> {
				this.discovery.set("svc", instances("svc", 6));
				LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
				assertThat(chain(factory.getInstance("svc", ServiceInstanceListSupplier.class)))
					.hasAtLeastOneElementOfType(SubsetServiceInstanceListSupplier.class);
				Set<String> chosen = new HashSet<>();
				for (int i = 0; i < 12; i++) {
					chosen.add(choose(factory, "svc", ReactiveLoadBalancer.REQUEST).getInstanceId());
				}
				assertThat(chosen).hasSize(2);
			});
	}

	@Test
	void requestBasedStickySessionKeepsTheCallerOnItsInstance() {
		this.runner.withPropertyValues("spring.cloud.loadbalancer.configurations=request-based-sticky-session")
			.run((context) -> {
				this.discovery.set("svc", instances("svc", 3));
				LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
				LinkedMultiValueMap<String, String> cookies = new LinkedMultiValueMap<>();
				cookies.add("sc-lb-instance-id", "svc-2");
				Request<RequestDataContext> sticky = new DefaultRequest<>(new RequestDataContext(new RequestData(
						HttpMethod.GET, URI.create("http://svc/"), new HttpHeaders(), cookies, Map.of())));
				for (int i = 0; i < 6; i++) {
					assertThat(choose(factory, "svc", sticky).getInstanceId()).isEqualTo("svc-2");
				}
			});
	}

	@Test
	void weightedConfigurationFailsStartupSayingWhy() {
		this.runner.withPropertyValues("spring.cloud.loadbalancer.clients.svc.configurations=weighted")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("spring.cloud.loadbalancer.clients.svc.configurations=weighted")
				.hasMessageContaining("weight"));
	}

	@Test
	void withoutEtcdDiscoveryInstancesComeThroughSpringCloudsCacheNotOnEveryChoice() {
		this.runner.withConfiguration(AutoConfigurations.of(LoadBalancerCacheAutoConfiguration.class))
			.run((context) -> {
				this.discovery.set("svc", instances("svc", 2));
				LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
				assertThat(chain(factory.getInstance("svc", ServiceInstanceListSupplier.class)))
					.hasAtLeastOneElementOfType(CachingServiceInstanceListSupplier.class);
				Set<String> chosen = new HashSet<>();
				for (int i = 0; i < 6; i++) {
					chosen.add(choose(factory, "svc", ReactiveLoadBalancer.REQUEST).getInstanceId());
				}
				assertThat(chosen).containsExactlyInAnyOrder("svc-0", "svc-1");
				assertThat(this.discovery.calls).isOne();
			});
	}

	@Test
	void springCloudDoesNotWarnAboutItsDefaultCache(CapturedOutput output) {
		this.runner.withConfiguration(AutoConfigurations.of(LoadBalancerCacheAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBeanProvider(LoadBalancerCacheManager.class).getIfAvailable())
					.isInstanceOf(CaffeineBasedLoadBalancerCacheManager.class);
			});
		assertThat(output).doesNotContain("working with the default cache");
	}

	private static ServiceInstance choose(LoadBalancerClientFactory factory, String serviceId, Request<?> request) {
		Response<ServiceInstance> response = Mono.from(factory.getInstance(serviceId).choose(request)).block();
		assertThat(response.hasServer()).isTrue();
		return response.getServer();
	}

	private static List<ServiceInstanceListSupplier> chain(ServiceInstanceListSupplier supplier) {
		List<ServiceInstanceListSupplier> chain = new ArrayList<>();
		chain.add(supplier);
		while (supplier instanceof DelegatingServiceInstanceListSupplier delegating) {
			supplier = delegating.getDelegate();
			chain.add(supplier);
		}
		return chain;
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
