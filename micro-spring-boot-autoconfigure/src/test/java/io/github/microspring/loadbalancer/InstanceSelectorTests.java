package io.github.microspring.loadbalancer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.github.microspring.loadbalancer.TestInstances.MutableClock;

import org.springframework.cloud.client.ServiceInstance;

import static io.github.microspring.loadbalancer.TestInstances.instance;
import static io.github.microspring.loadbalancer.TestInstances.instances;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Round robin, the skipping of ejected and previous instances, and version weights.
 */
class InstanceSelectorTests {

	private static final Map<String, Map<String, Integer>> NO_WEIGHTS = Map.of();

	private final MutableClock clock = new MutableClock();

	private final Ejections ejections = new Ejections(this.clock, 3, Duration.ofSeconds(10), Duration.ofSeconds(60),
			50, (instance, duration) -> {
			});

	@Test
	void sequentialChoicesGiveEachInstanceItsShareWithinOne() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = instances("svc", 3);
		Map<String, Integer> counts = new ConcurrentHashMap<>();
		for (int i = 0; i < 10_000; i++) {
			counts.merge(selector.choose("svc", list, null, null).getInstanceId(), 1, Integer::sum);
		}
		assertThat(counts).hasSize(3);
		assertThat(counts.values()).allSatisfy((count) -> assertThat(count).isBetween(3332, 3335));
	}

	@Test
	void concurrentChoicesGiveEachInstanceItsShareWithinOne() throws Exception {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = instances("svc", 3);
		Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
		ExecutorService threads = Executors.newFixedThreadPool(8);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < 8; t++) {
				futures.add(threads.submit(() -> {
					start.await();
					for (int i = 0; i < 1250; i++) {
						counts.computeIfAbsent(selector.choose("svc", list, null, null).getInstanceId(),
								(id) -> new AtomicInteger())
							.incrementAndGet();
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> future : futures) {
				future.get(10, TimeUnit.SECONDS);
			}
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(counts).hasSize(3);
		assertThat(counts.values()).allSatisfy((count) -> assertThat(count.get()).isBetween(3332, 3335));
	}

	@Test
	void positionWrapsAroundMaxValueWithoutNegativeIndex() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true, null, () -> Integer.MAX_VALUE - 5);
		List<ServiceInstance> list = instances("svc", 3);
		Map<String, Integer> counts = new ConcurrentHashMap<>();
		for (int i = 0; i < 3000; i++) {
			counts.merge(selector.choose("svc", list, null, null).getInstanceId(), 1, Integer::sum);
		}
		assertThat(counts.values()).allSatisfy((count) -> assertThat(count).isBetween(999, 1001));
	}

	@Test
	void servicesHaveTheirOwnPosition() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true, null, () -> 0);
		List<ServiceInstance> a = instances("a", 2);
		List<ServiceInstance> b = instances("b", 2);
		assertThat(selector.choose("a", a, null, null).getInstanceId()).isEqualTo("a-0");
		assertThat(selector.choose("b", b, null, null).getInstanceId()).isEqualTo("b-0");
		assertThat(selector.choose("a", a, null, null).getInstanceId()).isEqualTo("a-1");
	}

	@Test
	void noInstancesMeansNoChoice() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		assertThat(selector.choose("svc", List.of(), null, null)).isNull();
	}

	@Test
	void ejectedInstanceIsLeftOutAndOthersShareItsTraffic() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = instances("svc", 3);
		selector.choose("svc", list, null, null);
		for (int i = 0; i < 3; i++) {
			this.ejections.recordFailure(list.get(1));
		}
		Map<String, Integer> counts = new ConcurrentHashMap<>();
		for (int i = 0; i < 1000; i++) {
			counts.merge(selector.choose("svc", list, null, null).getInstanceId(), 1, Integer::sum);
		}
		assertThat(counts).containsOnlyKeys("svc-0", "svc-2");
		assertThat(counts.values()).allSatisfy((count) -> assertThat(count).isBetween(499, 501));
	}

	@Test
	void retryIsNeverHandedTheInstanceItComesFrom() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = instances("svc", 3);
		for (int i = 0; i < 100; i++) {
			assertThat(selector.choose("svc", list, null, list.get(0))).isNotEqualTo(list.get(0));
		}
	}

	@Test
	void retryWithOneInstanceGoesBackToIt() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = instances("svc", 1);
		assertThat(selector.choose("svc", list, null, list.get(0))).isEqualTo(list.get(0));
	}

	@Test
	void versionWeightsSplitTrafficWithinTwoPercent() {
		InstanceSelector selector = new InstanceSelector(this.ejections,
				Map.of("svc", Map.of("1.0.0", 90, "1.1.0", 10)), true);
		List<ServiceInstance> list = List.of(versioned("a", "1.0.0"), versioned("b", "1.0.0"), versioned("c", "1.1.0"));
		Map<String, Integer> versions = new ConcurrentHashMap<>();
		for (int i = 0; i < 10_000; i++) {
			versions.merge(selector.choose("svc", list, null, null).getMetadata().get("version"), 1, Integer::sum);
		}
		assertThat(versions.get("1.0.0")).isBetween(8800, 9200);
		assertThat(versions.get("1.1.0")).isBetween(800, 1200);
	}

	@Test
	void weightedVersionGoesRoundItsInstances() {
		InstanceSelector selector = new InstanceSelector(this.ejections, Map.of("svc", Map.of("1.0.0", 100)), true);
		List<ServiceInstance> list = List.of(versioned("a", "1.0.0"), versioned("b", "1.0.0"), versioned("c", "2.0.0"));
		Map<String, Integer> counts = new ConcurrentHashMap<>();
		for (int i = 0; i < 1000; i++) {
			counts.merge(selector.choose("svc", list, null, null).getInstanceId(), 1, Integer::sum);
		}
		assertThat(counts).containsOnlyKeys("a", "b");
		assertThat(counts.values()).allSatisfy((count) -> assertThat(count).isBetween(499, 501));
	}

	@Test
	void headerPinsVersionOverWeights() {
		InstanceSelector selector = new InstanceSelector(this.ejections,
				Map.of("svc", Map.of("1.0.0", 90, "1.1.0", 10)), true);
		List<ServiceInstance> list = List.of(versioned("a", "1.0.0"), versioned("b", "1.0.0"), versioned("c", "1.1.0"));
		for (int i = 0; i < 100; i++) {
			assertThat(selector.choose("svc", list, "1.1.0", null).getInstanceId()).isEqualTo("c");
		}
	}

	@Test
	void pinnedVersionWithoutInstanceFallsBackToAllWhenAllowed() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = List.of(versioned("a", "1.0.0"));
		assertThat(selector.choose("svc", list, "9.9.9", null).getInstanceId()).isEqualTo("a");
	}

	@Test
	void pinnedVersionWithoutInstanceFailsWithClearErrorWhenFallbackIsOff() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, false);
		List<ServiceInstance> list = List.of(versioned("a", "1.0.0"));
		assertThatExceptionOfType(NoMatchingInstanceException.class)
			.isThrownBy(() -> selector.choose("svc", list, "9.9.9", null))
			.withMessageContaining("No instance of svc has version '9.9.9'")
			.withMessageContaining("[1.0.0]")
			.withMessageContaining("micro.loadbalancer.fallback-to-all");
	}

	@Test
	void weightsMatchingNoInstanceFailWhenFallbackIsOff() {
		InstanceSelector selector = new InstanceSelector(this.ejections, Map.of("svc", Map.of("2.0.0", 100)), false);
		List<ServiceInstance> list = List.of(versioned("a", "1.0.0"));
		assertThatExceptionOfType(NoMatchingInstanceException.class)
			.isThrownBy(() -> selector.choose("svc", list, null, null))
			.withMessageContaining("version-weights");
	}

	@Test
	void weightsMatchingNoInstanceUseAllWhenFallbackIsOn() {
		InstanceSelector selector = new InstanceSelector(this.ejections, Map.of("svc", Map.of("2.0.0", 100)), true);
		List<ServiceInstance> list = List.of(versioned("a", "1.0.0"));
		assertThat(selector.choose("svc", list, null, null).getInstanceId()).isEqualTo("a");
	}

	@Test
	void weightMetadataSplitsTrafficInProportion() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = List.of(instance("svc", "heavy", 8000, Map.of("weight", "3")),
				instance("svc", "light", 8001, Map.of("weight", "1")),
				instance("svc", "broken", 8002, Map.of("weight", "lots")));
		Map<String, Integer> counts = new ConcurrentHashMap<>();
		for (int i = 0; i < 5000; i++) {
			counts.merge(selector.choose("svc", list, null, null).getInstanceId(), 1, Integer::sum);
		}
		assertThat(counts.get("heavy")).isBetween(2999, 3001);
		assertThat(counts.get("light")).isBetween(999, 1001);
		assertThat(counts.get("broken")).isBetween(999, 1001);
	}

	@Test
	void instancesInOwnZoneArePreferred() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true, "eu-1");
		List<ServiceInstance> list = List.of(instance("svc", "near", 8000, Map.of("zone", "eu-1")),
				instance("svc", "far", 8001, Map.of("zone", "us-1")));
		for (int i = 0; i < 20; i++) {
			assertThat(selector.choose("svc", list, null, null).getInstanceId()).isEqualTo("near");
		}
	}

	@Test
	void otherZonesServeWhenOwnZoneHasNoInstance() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true, "ap-1");
		List<ServiceInstance> list = List.of(instance("svc", "a", 8000, Map.of("zone", "eu-1")),
				instance("svc", "b", 8001, Map.of("zone", "us-1")));
		Map<String, Integer> counts = new ConcurrentHashMap<>();
		for (int i = 0; i < 20; i++) {
			counts.merge(selector.choose("svc", list, null, null).getInstanceId(), 1, Integer::sum);
		}
		assertThat(counts).containsEntry("a", 10).containsEntry("b", 10);
	}

	@Test
	void newListObjectIsSeenByTheNextChoice() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		selector.choose("svc", instances("svc", 2), null, null);
		List<ServiceInstance> replaced = List.of(instance("svc", "new", 9000));
		assertThat(selector.choose("svc", replaced, null, null).getInstanceId()).isEqualTo("new");
	}

	private static ServiceInstance versioned(String id, String version) {
		return instance("svc", id, 8000 + id.charAt(0), Map.of("version", version));
	}

}
