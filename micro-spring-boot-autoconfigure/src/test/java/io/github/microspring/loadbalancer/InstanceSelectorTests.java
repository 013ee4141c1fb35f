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

	@Test
	void retryFromTheOnlyInstanceOfTheOwnZoneGoesToAnotherZone() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true, "a");
		List<ServiceInstance> list = zoned();
		for (int i = 0; i < 20; i++) {
			assertThat(selector.choose("svc", list, null, list.get(0)).getInstanceId()).startsWith("far");
		}
	}

	@Test
	void ownZoneWhollyEjectedWidensToTheOtherZonesInEvenShares() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true, "a");
		List<ServiceInstance> list = zoned();
		selector.choose("svc", list, null, null);
		eject(list.get(0));
		Map<String, Integer> counts = count(selector, list, null, null, 1000);
		assertThat(counts).containsOnlyKeys("far-1", "far-2");
		assertThat(counts.values()).allSatisfy((count) -> assertThat(count).isBetween(499, 501));
	}

	@Test
	void retryFromTheOnlyInstanceOfAPinnedVersionWidensWhenFallbackIsOn() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = canary();
		for (int i = 0; i < 20; i++) {
			assertThat(selector.choose("svc", list, "1.1.0", list.get(2)).getInstanceId()).isNotEqualTo("c");
		}
	}

	@Test
	void pinnedVersionWhollyEjectedWidensWhenFallbackIsOn() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = canary();
		selector.choose("svc", list, null, null);
		eject(list.get(2));
		assertThat(count(selector, list, "1.1.0", null, 100)).containsOnlyKeys("a", "b");
	}

	@Test
	void pinnedVersionWhollyEjectedKeepsToItsVersionWhenFallbackIsOff() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, false);
		List<ServiceInstance> list = canary();
		selector.choose("svc", list, null, null);
		eject(list.get(2));
		assertThat(count(selector, list, "1.1.0", null, 100)).containsOnlyKeys("c");
		assertThat(selector.choose("svc", list, "1.1.0", list.get(2)).getInstanceId()).isEqualTo("c");
	}

	@Test
	void weightedVersionWhollyEjectedWidensToTheOtherWeightedVersions() {
		InstanceSelector selector = new InstanceSelector(this.ejections,
				Map.of("svc", Map.of("1.0.0", 50, "1.1.0", 50)), false);
		List<ServiceInstance> list = canary();
		selector.choose("svc", list, null, null);
		eject(list.get(2));
		assertThat(count(selector, list, null, null, 200)).containsOnlyKeys("a", "b");
	}

	@Test
	void retryFromTheOnlyInstanceWithTheHintWidens() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = hinted();
		assertThat(selector.choose("svc", list, null, "blue", null).getInstanceId()).isEqualTo("blue");
		for (int i = 0; i < 20; i++) {
			assertThat(selector.choose("svc", list, null, "blue", list.get(0)).getInstanceId()).isNotEqualTo("blue");
		}
	}

	@Test
	void hintGroupWhollyEjectedWidens() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = hinted();
		selector.choose("svc", list, null, null);
		eject(list.get(0));
		Map<String, Integer> counts = new ConcurrentHashMap<>();
		for (int i = 0; i < 100; i++) {
			counts.merge(selector.choose("svc", list, null, "blue", null).getInstanceId(), 1, Integer::sum);
		}
		assertThat(counts).containsOnlyKeys("plain-1", "plain-2");
	}

	@Test
	void retryGoesBackToItsInstanceWhenEveryOtherIsEjected() {
		Ejections lenient = new Ejections(this.clock, 1, Duration.ofSeconds(10), Duration.ofSeconds(60), 100,
				(instance, duration) -> {
				});
		InstanceSelector selector = new InstanceSelector(lenient, NO_WEIGHTS, true);
		List<ServiceInstance> list = instances("svc", 3);
		selector.choose("svc", list, null, null);
		lenient.recordFailure(list.get(1));
		lenient.recordFailure(list.get(2));
		assertThat(selector.choose("svc", list, null, list.get(0))).isEqualTo(list.get(0));
	}

	@Test
	void everyInstanceEjectedStillGoesRoundAll() {
		Ejections lenient = new Ejections(this.clock, 1, Duration.ofSeconds(10), Duration.ofSeconds(60), 100,
				(instance, duration) -> {
				});
		InstanceSelector selector = new InstanceSelector(lenient, NO_WEIGHTS, true);
		List<ServiceInstance> list = instances("svc", 3);
		selector.choose("svc", list, null, null);
		list.forEach(lenient::recordFailure);
		Map<String, Integer> counts = new ConcurrentHashMap<>();
		for (int i = 0; i < 300; i++) {
			counts.merge(selector.choose("svc", list, null, null).getInstanceId(), 1, Integer::sum);
		}
		assertThat(counts.values()).allSatisfy((count) -> assertThat(count).isBetween(99, 101));
	}

	@Test
	void ejectedInstancesLeaveEvenSharesToTheOthers() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = instances("svc", 10);
		selector.choose("svc", list, null, null);
		eject(list.get(3));
		eject(list.get(4));
		eject(list.get(9));
		Map<String, Integer> counts = new ConcurrentHashMap<>();
		for (int i = 0; i < 7000; i++) {
			counts.merge(selector.choose("svc", list, null, null).getInstanceId(), 1, Integer::sum);
		}
		assertThat(counts).hasSize(7).doesNotContainKeys("svc-3", "svc-4", "svc-9");
		assertThat(counts.values()).allSatisfy((count) -> assertThat(count).isBetween(999, 1001));
	}

	@Test
	void instancesWithoutIdAreToldApartByHostAndPort() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = List.of(anonymous(8000), anonymous(8001), anonymous(8002));
		selector.choose("svc", list, null, null);
		eject(list.get(1));
		for (int i = 0; i < 30; i++) {
			ServiceInstance chosen = selector.choose("svc", list, null, list.get(0));
			assertThat(chosen.getPort()).isEqualTo(8002);
		}
	}

	@Test
	void choicesWithAnEjectedInstanceDoNotAllocatePerInstance() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = instances("svc", 10_000);
		selector.choose("svc", list, null, null);
		eject(list.get(17));
		for (int i = 0; i < 20_000; i++) {
			selector.choose("svc", list, null, null);
		}
		long before = allocatedBytes();
		for (int i = 0; i < 10_000; i++) {
			selector.choose("svc", list, null, list.get(i));
		}
		// copying the list once per choice would take 10,000 * 40 KB
		assertThat(allocatedBytes() - before).isLessThan(10_000_000);
	}

	@Test
	void choicesReadTheClockOnlyWhenTheyMeetAnEjectedInstance() {
		AtomicInteger reads = new AtomicInteger();
		java.time.Clock counting = new java.time.Clock() {

			@Override
			public java.time.ZoneId getZone() {
				return InstanceSelectorTests.this.clock.getZone();
			}

			@Override
			public java.time.Clock withZone(java.time.ZoneId zone) {
				return this;
			}

			@Override
			public java.time.Instant instant() {
				reads.incrementAndGet();
				return InstanceSelectorTests.this.clock.instant();
			}

		};
		Ejections timed = new Ejections(counting, 3, Duration.ofSeconds(10), Duration.ofSeconds(60), 50,
				(instance, duration) -> {
				});
		InstanceSelector selector = new InstanceSelector(timed, NO_WEIGHTS, true);
		List<ServiceInstance> list = instances("svc", 1000);
		selector.choose("svc", list, null, null);
		for (int i = 0; i < 3; i++) {
			timed.recordFailure(list.get(7));
		}
		reads.set(0);
		for (int i = 0; i < 10_000; i++) {
			assertThat(selector.choose("svc", list, null, null)).isNotEqualTo(list.get(7));
		}
		// the clock costs more than a choice on some machines: read once per pass over the ejected instance
		assertThat(reads).hasValueLessThanOrEqualTo(20);
		this.clock.advance(Duration.ofSeconds(10));
		for (int i = 0; i < 2000; i++) {
			selector.choose("svc", list, null, null);
		}
		reads.set(0);
		for (int i = 0; i < 10_000; i++) {
			selector.choose("svc", list, null, null);
		}
		assertThat(reads).hasValue(0);
	}

	@Test
	void largeWeightsOnALargeListAreHonouredWithoutBuildingASequence() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true, null, () -> 0);
		List<ServiceInstance> list = new ArrayList<>();
		for (int i = 0; i < 20_000; i++) {
			list.add(instance("svc", "svc-" + i, 8000 + i, Map.of("weight", (i == 0) ? "100" : "99")));
		}
		List<ServiceInstance> fixed = List.copyOf(list);
		// a sequence of 1,980,001 slots built with a pass over 20,000 weights per slot took minutes
		Map<String, Integer> counts = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
				Duration.ofSeconds(60), () -> count(selector, fixed, null, null, 1_980_001));
		assertThat(counts.get("svc-0")).isEqualTo(100);
		assertThat(counts.get("svc-1")).isEqualTo(99);
		assertThat(counts.get("svc-19999")).isEqualTo(99);
	}

	@Test
	void weightsAreHonouredExactlyOverEachCycleWhateverTheStartingPosition() {
		List<ServiceInstance> list = new ArrayList<>();
		for (int i = 0; i < 997; i++) {
			list.add(instance("svc", "svc-" + i, 8000 + i, Map.of("weight", String.valueOf(1 + i % 100))));
		}
		List<ServiceInstance> fixed = List.copyOf(list);
		int total = 0;
		for (int i = 0; i < 997; i++) {
			total += 1 + i % 100;
		}
		for (int start : new int[] { 0, 12_345, Integer.MAX_VALUE - 3 * total }) {
			InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true, null, () -> start);
			Map<String, Integer> counts = count(selector, fixed, null, null, total);
			for (int i = 0; i < 997; i++) {
				assertThat(counts.get("svc-" + i)).isEqualTo(1 + i % 100);
			}
		}
	}

	@Test
	void weightedChoicesAreSpreadRatherThanBunched() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true, null, () -> 0);
		List<ServiceInstance> list = new ArrayList<>();
		list.add(instance("svc", "heavy", 8000, Map.of("weight", "10")));
		for (int i = 1; i <= 10; i++) {
			list.add(instance("svc", "light-" + i, 8000 + i));
		}
		List<ServiceInstance> fixed = List.copyOf(list);
		int longestRun = 0;
		int run = 0;
		for (int i = 0; i < 200; i++) {
			run = "heavy".equals(selector.choose("svc", fixed, null, null).getInstanceId()) ? run + 1 : 0;
			longestRun = Math.max(longestRun, run);
		}
		assertThat(longestRun).isLessThanOrEqualTo(2);
	}

	@Test
	void concurrentFirstCallersBuildTheDerivedStateOnce() throws Exception {
		AtomicInteger builds = new AtomicInteger();
		Ejections counting = new Ejections(this.clock, 3, Duration.ofSeconds(10), Duration.ofSeconds(60), 50,
				(instance, duration) -> {
				}) {

			@Override
			void instancesChanged(String serviceId, List<ServiceInstance> instances) {
				builds.incrementAndGet();
				super.instancesChanged(serviceId, instances);
			}

		};
		InstanceSelector selector = new InstanceSelector(counting, NO_WEIGHTS, true, "a");
		List<ServiceInstance> list = new ArrayList<>();
		for (int i = 0; i < 200_000; i++) {
			list.add(instance("svc", "svc-" + i, 8000, Map.of("zone", (i % 2 == 0) ? "a" : "b", "version", "v" + (i % 7))));
		}
		List<ServiceInstance> fixed = List.copyOf(list);
		ExecutorService threads = Executors.newFixedThreadPool(4);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<ServiceInstance>> futures = new ArrayList<>();
			for (int t = 0; t < 4; t++) {
				futures.add(threads.submit(() -> {
					start.await();
					return selector.choose("svc", fixed, null, null);
				}));
			}
			start.countDown();
			for (Future<ServiceInstance> future : futures) {
				assertThat(future.get(60, TimeUnit.SECONDS)).isNotNull();
			}
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(builds).hasValue(1);
	}

	@Test
	void sameInstancesInANewListObjectAreNotBuiltAgain() {
		AtomicInteger builds = new AtomicInteger();
		Ejections counting = new Ejections(this.clock, 3, Duration.ofSeconds(10), Duration.ofSeconds(60), 50,
				(instance, duration) -> {
				}) {

			@Override
			void instancesChanged(String serviceId, List<ServiceInstance> instances) {
				builds.incrementAndGet();
				super.instancesChanged(serviceId, instances);
			}

		};
		InstanceSelector selector = new InstanceSelector(counting, NO_WEIGHTS, true);
		List<ServiceInstance> list = instances("svc", 3);
		for (int i = 0; i < 10; i++) {
			// Spring Cloud's SimpleDiscoveryClient answers with a new list of the same instances each time
			selector.choose("svc", new ArrayList<>(list), null, null);
		}
		assertThat(builds).hasValue(1);
	}

	@Test
	void unknownHintsTakeNoCacheEntry() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = hinted();
		for (int i = 0; i < 1_000_000; i++) {
			assertThat(selector.choose("svc", list, null, "hint-" + i, null)).isNotNull();
		}
		assertThat(selector.cachedHintGroups("svc")).isZero();
	}

	@Test
	void knownHintsAreCachedUpToABound() {
		InstanceSelector selector = new InstanceSelector(this.ejections, NO_WEIGHTS, true);
		List<ServiceInstance> list = new ArrayList<>();
		for (int i = 0; i < 1000; i++) {
			list.add(instance("svc", "svc-" + i, 8000 + i, Map.of("hint", "h" + i)));
		}
		List<ServiceInstance> fixed = List.copyOf(list);
		for (int round = 0; round < 3; round++) {
			for (int i = 0; i < 1000; i++) {
				assertThat(selector.choose("svc", fixed, null, "h" + i, null).getInstanceId()).isEqualTo("svc-" + i);
			}
		}
		assertThat(selector.cachedHintGroups("svc")).isBetween(1, InstanceSelector.MAX_HINT_GROUPS);
	}

	private List<ServiceInstance> zoned() {
		return List.of(instance("svc", "near", 8000, Map.of("zone", "a")),
				instance("svc", "far-1", 8001, Map.of("zone", "b")), instance("svc", "far-2", 8002, Map.of("zone", "b")));
	}

	private List<ServiceInstance> canary() {
		return List.of(versioned("a", "1.0.0"), versioned("b", "1.0.0"), versioned("c", "1.1.0"));
	}

	private List<ServiceInstance> hinted() {
		return List.of(instance("svc", "blue", 8000, Map.of("hint", "blue")), instance("svc", "plain-1", 8001),
				instance("svc", "plain-2", 8002));
	}

	private static ServiceInstance anonymous(int port) {
		return new org.springframework.cloud.client.DefaultServiceInstance(null, "svc", "127.0.0.1", port, false);
	}

	private void eject(ServiceInstance instance) {
		for (int i = 0; i < 3; i++) {
			this.ejections.recordFailure(instance);
		}
		assertThat(this.ejections.isEjected(instance)).isTrue();
	}

	private static Map<String, Integer> count(InstanceSelector selector, List<ServiceInstance> list,
			String version, ServiceInstance previous, int choices) {
		Map<String, Integer> counts = new java.util.HashMap<>();
		for (int i = 0; i < choices; i++) {
			counts.merge(selector.choose("svc", list, version, previous).getInstanceId(), 1, Integer::sum);
		}
		return counts;
	}

	private static long allocatedBytes() {
		return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
			.getCurrentThreadAllocatedBytes();
	}

	private static ServiceInstance versioned(String id, String version) {
		return instance("svc", id, 8000 + id.charAt(0), Map.of("version", version));
	}

}
