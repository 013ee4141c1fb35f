package io.github.microspring.loadbalancer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import io.github.microspring.discovery.DiscoveryAutoConfiguration;
import io.github.microspring.discovery.EtcdCatalog;
import io.github.microspring.etcd.EtcdAutoConfiguration;
import io.github.microspring.test.etcd.EtcdExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.composite.reactive.ReactiveCompositeDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.commons.util.UtilAutoConfiguration;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.cloud.loadbalancer.config.LoadBalancerCacheAutoConfiguration;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Where the balancer takes its instances from with etcd discovery on and a second discovery client in the
 * composite, against real etcd: the catalog for services in etcd, Spring Cloud's cached chain for the others.
 */
class InstanceSourceIntegrationTests {

	private static Client etcd;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UtilAutoConfiguration.class, EtcdAutoConfiguration.class,
				DiscoveryAutoConfiguration.class, SimpleDiscoveryClientAutoConfiguration.class,
				SimpleReactiveDiscoveryClientAutoConfiguration.class, CompositeDiscoveryClientAutoConfiguration.class,
				ReactiveCompositeDiscoveryClientAutoConfiguration.class, MicroLoadBalancerAutoConfiguration.class,
				LoadBalancerAutoConfiguration.class, LoadBalancerCacheAutoConfiguration.class))
		.withPropertyValues("micro.etcd.endpoints=" + EtcdExtension.shared().endpoint(),
				"spring.cloud.discovery.client.simple.instances.elsewhere[0].uri=http://127.0.0.1:9",
				"spring.cloud.discovery.client.simple.instances.elsewhere[0].instance-id=elsewhere-0");

	@BeforeAll
	static void connect() {
		etcd = Client.builder().endpoints(EtcdExtension.shared().endpoint()).build();
	}

	@AfterAll
	static void disconnect() {
		etcd.close();
	}

	@Test
	void instanceNewInEtcdIsChosenByTheVeryNextChoices() {
		this.runner.run((context) -> {
			EtcdCatalog catalog = context.getBean(EtcdCatalog.class);
			LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
			long lease = etcd.getLeaseClient().grant(30).get(5, TimeUnit.SECONDS).getID();
			try {
				EchoServer.register(etcd, "growing", "first", 9001, lease);
				await().atMost(Duration.ofSeconds(10)).until(() -> catalog.getInstances("growing").size() == 1);
				assertThat(choose(factory, "growing").getInstanceId()).isEqualTo("first");

				EchoServer.register(etcd, "growing", "second", 9002, lease);
				await().atMost(Duration.ofSeconds(10)).until(() -> catalog.getInstances("growing").size() == 2);
				assertThat(List.of(choose(factory, "growing").getInstanceId(),
						choose(factory, "growing").getInstanceId()))
					.containsExactlyInAnyOrder("first", "second");
			}
			finally {
				etcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
			}
		});
	}

	@Test
	void underANamedConfigurationACatalogChangeReachesSpringCloudsCachedListAtOnce() {
		this.runner.withPropertyValues("spring.cloud.loadbalancer.configurations=zone-preference").run((context) -> {
			EtcdCatalog catalog = context.getBean(EtcdCatalog.class);
			LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
			long lease = etcd.getLeaseClient().grant(30).get(5, TimeUnit.SECONDS).getID();
			try {
				EchoServer.register(etcd, "zoned", "first", 9001, lease);
				await().atMost(Duration.ofSeconds(10)).until(() -> catalog.getInstances("zoned").size() == 1);
				assertThat(choose(factory, "zoned").getInstanceId()).isEqualTo("first");

				EchoServer.register(etcd, "zoned", "second", 9002, lease);
				// well within the 35 s for which Spring Cloud's cache would keep the list of one
				await().atMost(Duration.ofSeconds(5))
					.until(() -> List.of(choose(factory, "zoned").getInstanceId(),
							choose(factory, "zoned").getInstanceId()).contains("second"));
			}
			finally {
				etcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
			}
		});
	}

	@Test
	void instanceMeterLeavesWithItsInstance() {
		this.runner.withPropertyValues("micro.loadbalancer.metrics.per-instance=true")
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> {
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				context.getBean(ChoiceCounter.class).bindTo(meters);
				EtcdCatalog catalog = context.getBean(EtcdCatalog.class);
				LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
				long stays = etcd.getLeaseClient().grant(30).get(5, TimeUnit.SECONDS).getID();
				long leaves = etcd.getLeaseClient().grant(30).get(5, TimeUnit.SECONDS).getID();
				try {
					EchoServer.register(etcd, "metered", "stays", 9001, stays);
					EchoServer.register(etcd, "metered", "leaves", 9002, leaves);
					await().atMost(Duration.ofSeconds(10)).until(() -> catalog.getInstances("metered").size() == 2);
					choose(factory, "metered");
					choose(factory, "metered");
					assertThat(meters.find(ChoiceCounter.INSTANCE_NAME).meters()).hasSize(2);

					etcd.getLeaseClient().revoke(leaves).get(5, TimeUnit.SECONDS);
					await().atMost(Duration.ofSeconds(10))
						.until(() -> meters.find(ChoiceCounter.INSTANCE_NAME).meters().size() == 1);
					assertThat(meters.get(ChoiceCounter.INSTANCE_NAME).counter().getId().getTag("instance"))
						.isEqualTo("stays");
				}
				finally {
					etcd.getLeaseClient().revoke(stays).get(5, TimeUnit.SECONDS);
				}
			});
	}

	@Test
	void serviceOnlyAnotherDiscoveryClientKnowsIsReachable() {
		this.runner.run((context) -> {
			LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
			ServiceInstance chosen = choose(factory, "elsewhere");
			assertThat(chosen.getInstanceId()).isEqualTo("elsewhere-0");
			assertThat(chosen.getPort()).isEqualTo(9);
		});
	}

	private static ServiceInstance choose(LoadBalancerClientFactory factory, String serviceId) {
		Response<ServiceInstance> response = Mono.from(factory.getInstance(serviceId).choose(ReactiveLoadBalancer.REQUEST))
			.block(Duration.ofSeconds(10));
		assertThat(response.hasServer()).as("an instance of " + serviceId).isTrue();
		return response.getServer();
	}

}
