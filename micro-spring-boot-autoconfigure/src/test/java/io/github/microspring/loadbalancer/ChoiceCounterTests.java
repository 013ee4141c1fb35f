package io.github.microspring.loadbalancer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import io.github.microspring.discovery.CatalogListener;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;

import static io.github.microspring.loadbalancer.TestInstances.instance;
import static io.github.microspring.loadbalancer.TestInstances.instances;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Choice meters: per service always, per instance when asked, and bounded while instances come and go.
 */
class ChoiceCounterTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void choicesAreCountedPerServiceOnlyByDefault() {
		ChoiceCounter counter = bound(new ChoiceCounter(false));
		List<ServiceInstance> list = instances("svc", 2);
		counter.chosen("svc", list.get(0));
		counter.chosen("svc", list.get(1));
		counter.chosen("other", instance("other", "o", 9000));
		assertThat(this.registry.get(ChoiceCounter.NAME).tags("service", "svc").counter().count()).isEqualTo(2);
		assertThat(this.registry.get(ChoiceCounter.NAME).counters()).hasSize(2);
		assertThat(this.registry.find(ChoiceCounter.INSTANCE_NAME).meters()).isEmpty();
	}

	@Test
	void choicesAreCountedPerInstanceWhenAsked() {
		ChoiceCounter counter = bound(new ChoiceCounter(true));
		List<ServiceInstance> list = instances("svc", 2);
		for (int i = 0; i < 3; i++) {
			counter.chosen("svc", list.get(0));
		}
		counter.chosen("svc", list.get(1));
		assertThat(this.registry.get(ChoiceCounter.INSTANCE_NAME).tags("service", "svc", "instance", "svc-0")
			.counter()
			.count()).isEqualTo(3);
		assertThat(this.registry.get(ChoiceCounter.INSTANCE_NAME).tags("service", "svc", "instance", "svc-1")
			.counter()
			.count()).isEqualTo(1);
		assertThat(this.registry.get(ChoiceCounter.NAME).tags("service", "svc").counter().count()).isEqualTo(4);
	}

	@Test
	void meterCountStaysBoundedWhileInstancesComeAndGo() {
		ChoiceCounter counter = bound(new ChoiceCounter(true));
		Map<String, List<ServiceInstance>> catalog = new ConcurrentHashMap<>();
		CatalogListener pruner = counter.instancePruner((service) -> catalog.getOrDefault(service, List.of()));
		for (int deploy = 0; deploy < 50; deploy++) {
			// every deploy brings two instances with new ids and takes the previous two away
			List<ServiceInstance> current = new ArrayList<>();
			for (int i = 0; i < 2; i++) {
				current.add(instance("svc", "svc-" + deploy + "-" + i, 8000 + i));
			}
			catalog.put("svc", List.copyOf(current));
			pruner.catalogChanged(deploy, Set.of("svc"));
			for (int call = 0; call < 4; call++) {
				counter.chosen("svc", current.get(call % 2));
			}
			assertThat(this.registry.find(ChoiceCounter.INSTANCE_NAME).meters()).hasSizeLessThanOrEqualTo(2);
		}
		assertThat(this.registry.getMeters()).hasSize(3);
		assertThat(this.registry.get(ChoiceCounter.NAME).counter().count()).isEqualTo(200);
		catalog.remove("svc");
		pruner.catalogChanged(51, Set.of("svc"));
		assertThat(this.registry.find(ChoiceCounter.INSTANCE_NAME).meters()).isEmpty();
	}

	@Test
	void instanceWithoutIdIsCountedByAddress() {
		ChoiceCounter counter = bound(new ChoiceCounter(true));
		ServiceInstance anonymous = new DefaultServiceInstance(null, "svc",
				"127.0.0.1", 8080, false);
		counter.chosen("svc", anonymous);
		assertThat(this.registry.get(ChoiceCounter.INSTANCE_NAME).tags("instance", "127.0.0.1:8080").counter().count())
			.isEqualTo(1);
		counter.instancesChanged("svc", List.of(anonymous));
		assertThat(this.registry.find(ChoiceCounter.INSTANCE_NAME).meters()).hasSize(1);
	}

	private ChoiceCounter bound(ChoiceCounter counter) {
		counter.bindTo(this.registry);
		return counter;
	}

}
