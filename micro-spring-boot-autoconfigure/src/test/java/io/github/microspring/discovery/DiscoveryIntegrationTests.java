package io.github.microspring.discovery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.support.Observers;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.cloud.client.ServiceInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The catalog against a real etcd, fed by values written the way a go-micro service writes them.
 */
@ExtendWith(EtcdExtension.class)
class DiscoveryIntegrationTests {

	private static Client client;

	private static EtcdCatalog catalog;

	private static final List<Long> heartbeats = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void startCatalog(EtcdServer etcd) {
		client = Client.builder().endpoints(etcd.endpoint()).build();
		catalog = new EtcdCatalog(client, "/micro/registry/", Duration.ofSeconds(3), 2, Duration.ofMillis(50),
				Duration.ofSeconds(1), Clock.systemUTC());
		catalog.addListener((revision, services) -> heartbeats.add(revision));
		catalog.start();
	}

	@AfterAll
	static void stopCatalog() {
		catalog.stop();
		client.close();
	}

	@Test
	void goMicroEntryWrittenStraightIntoEtcdAppearsAsServiceInstance() throws Exception {
		long lease = client.getLeaseClient().grant(30).get(3, TimeUnit.SECONDS).getID();
		put("/micro/registry/greeter/greeter-7f3c", """
				{"name":"greeter","version":"2.1.0","metadata":{"team":"go"},"endpoints":[{"name":"Say.Hello"}],
				 "nodes":[{"id":"greeter-7f3c","address":"127.0.0.1:50051",
				           "metadata":{"protocol":"grpc","registry":"etcd","server":"grpc","transport":"grpc","zone":"b"}}]}
				""", lease);

		await().atMost(Duration.ofSeconds(5)).until(() -> !catalog.getInstances("greeter").isEmpty());
		ServiceInstance instance = catalog.getInstances("greeter").get(0);
		assertThat(instance.getServiceId()).isEqualTo("greeter");
		assertThat(instance.getInstanceId()).isEqualTo("greeter-7f3c");
		assertThat(instance.getHost()).isEqualTo("127.0.0.1");
		assertThat(instance.getPort()).isEqualTo(50051);
		assertThat(instance.getMetadata()).containsEntry("version", "2.1.0")
			.containsEntry("zone", "b")
			.containsEntry("protocol", "grpc");
		assertThat(catalog.getServices()).contains("greeter");

		client.getLeaseClient().revoke(lease).get(3, TimeUnit.SECONDS);
		await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getInstances("greeter").isEmpty());
		assertThat(catalog.getServices()).doesNotContain("greeter");
	}

	@Test
	void garbageUnderThePrefixIsSkippedAndCountedWhileOthersAreServed() throws Exception {
		long skippedBefore = catalog.getSkippedValues();
		put("/micro/registry/junk/not-json", "{nope", 0);
		put("/micro/registry/junk/empty", "", 0);
		put("/micro/registry/junk/array", "[1,2,3]", 0);
		put("/micro/registry/junk/no-nodes", "{\"name\":\"junk\",\"nodes\":[]}", 0);
		put("/micro/registry/junk/no-name", "{\"nodes\":[{\"id\":\"a\",\"address\":\"127.0.0.1:1\"}]}", 0);
		put("/micro/registry/junk/bad-address", "{\"name\":\"junk\",\"nodes\":[{\"id\":\"a\",\"address\":\"nowhere\"}]}", 0);
		put("/micro/registry/junk/bad-port", "{\"name\":\"junk\",\"nodes\":[{\"id\":\"b\",\"address\":\"h:99999\"}]}", 0);
		put("/micro/registry/junk/wrong-shape", "{\"name\":\"junk\",\"nodes\":{\"id\":\"c\"}}", 0);
		put("/micro/registry/junk/good", node("junk", "junk-good", 8080), 0);

		await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getInstances("junk").size() == 1);
		assertThat(catalog.getInstances("junk").get(0).getInstanceId()).isEqualTo("junk-good");
		await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getSkippedValues() - skippedBefore == 8);

		// a key whose good value turns bad drops out, the others stay
		put("/micro/registry/junk/good2", node("junk", "junk-good2", 8081), 0);
		await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getInstances("junk").size() == 2);
		put("/micro/registry/junk/good2", "{broken", 0);
		await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getInstances("junk").size() == 1);
		assertThat(catalog.getSkippedValues() - skippedBefore).isEqualTo(9);
		client.getKVClient()
			.delete(bytes("/micro/registry/junk/"),
					io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build())
			.get(3, TimeUnit.SECONDS);
		await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getInstances("junk").isEmpty());
	}

	@Test
	void listsInPagesAndPublishesHeartbeatsOnlyForRealChanges() throws Exception {
		// page size is 2: a fresh catalog must read every page of one revision
		for (int i = 0; i < 7; i++) {
			put("/micro/registry/paged/n" + i, node("paged", "paged-" + i, 9000 + i), 0);
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getInstances("paged").size() == 7);
		EtcdCatalog fresh = new EtcdCatalog(client, "/micro/registry/", Duration.ofSeconds(3), 2,
				Duration.ofMillis(50), Duration.ofSeconds(1), Clock.systemUTC());
		try {
			fresh.start();
			assertThat(fresh.getInstances("paged")).hasSize(7);
			assertThat(fresh.getRevision()).isGreaterThanOrEqualTo(catalog.getRevision());
		}
		finally {
			fresh.stop();
		}

		List<ServiceInstance> before = catalog.getInstances("paged");
		awaitHeartbeatsCaughtUp();
		int heartbeatsBefore = heartbeats.size();
		// the same value again is no change: no heartbeat, same list object
		put("/micro/registry/paged/n0", node("paged", "paged-0", 9000), 0);
		put("/micro/registry/paged/n1", node("paged", "paged-1", 9999), 0);
		// events arrive in order: once the second change is heard, the first was weighed already
		await().atMost(Duration.ofSeconds(5)).until(() -> heartbeats.size() > heartbeatsBefore);
		assertThat(heartbeats.size() - heartbeatsBefore).isEqualTo(1);
		assertThat(catalog.getInstances("paged")).anyMatch((i) -> i.getPort() == 9999);
		assertThat(catalog.getInstances("paged")).isNotSameAs(before);
		assertThat(heartbeats.get(heartbeats.size() - 1)).isEqualTo(catalog.getRevision());
	}

	@Test
	void compactedWatchListsAgainWithoutLosingOrRepeatingChanges() throws Exception {
		put("/micro/registry/compacted/a", node("compacted", "a", 7001), 0);
		await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getInstances("compacted").size() == 1);
		long before = catalog.getRevision();
		put("/micro/registry/compacted/b", node("compacted", "b", 7002), 0);
		client.getKVClient().delete(bytes("/micro/registry/compacted/b")).get(3, TimeUnit.SECONDS);
		put("/micro/registry/compacted/c", node("compacted", "c", 7003), 0);
		await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getInstances("compacted").size() == 2);
		long current = client.getKVClient().get(bytes("/none")).get(3, TimeUnit.SECONDS).getHeader().getRevision();
		client.getKVClient().compact(current).get(3, TimeUnit.SECONDS);
		long restarts = catalog.getWatchRestarts();
		awaitHeartbeatsCaughtUp();
		int heartbeatsBefore = heartbeats.size();

		catalog.resumeWatchFrom(before);

		await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getWatchRestarts() == restarts + 1);
		await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getStaleSince() == null);
		assertThat(catalog.getInstances("compacted")).extracting(ServiceInstance::getInstanceId)
			.containsExactly("a", "c");
		// the listing matched what the catalog held: no change to announce
		assertThat(heartbeats).hasSize(heartbeatsBefore);
		put("/micro/registry/compacted/d", node("compacted", "d", 7004), 0);
		await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getInstances("compacted").size() == 3);
	}

	@Test
	void listenerThatCallsEtcdStallsNeitherKeepAlivesNorTheWatch(EtcdServer etcd) throws Exception {
		try (Client own = Client.builder().endpoints(etcd.endpoint()).build()) {
			EtcdCatalog stalled = new EtcdCatalog(own, "/micro/registry/", Duration.ofSeconds(3), 100,
					Duration.ofMillis(50), Duration.ofSeconds(1), Clock.systemUTC());
			AtomicInteger active = new AtomicInteger();
			AtomicInteger maxActive = new AtomicInteger();
			List<Long> revisions = new CopyOnWriteArrayList<>();
			AtomicBoolean holding = new AtomicBoolean();
			AtomicLong callsMade = new AtomicLong();
			CountDownLatch release = new CountDownLatch(1);
			stalled.addListener((revision, services) -> {
				maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
				try {
					revisions.add(revision);
					if (services.contains("stall") && holding.compareAndSet(false, true)) {
						long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
						// a listener that looks something up in etcd, blocking, until the test lets it go
						while (release.getCount() > 0 && System.nanoTime() < until) {
							own.getKVClient().get(bytes("/micro/registry/stall/")).get(10, TimeUnit.SECONDS);
							callsMade.incrementAndGet();
						}
					}
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
				finally {
					active.decrementAndGet();
				}
			});
			stalled.start();
			long lease = own.getLeaseClient().grant(2).get(3, TimeUnit.SECONDS).getID();
			AtomicLong keepAlives = new AtomicLong();
			try (CloseableClient keepAlive = own.getLeaseClient()
				.keepAlive(lease, Observers.observer((response) -> keepAlives.incrementAndGet()))) {
				put("/micro/registry/stall/a", node("stall", "stall-a", 6001), 0);
				await().atMost(Duration.ofSeconds(5)).until(holding::get);
				long keepAlivesBefore = keepAlives.get();

				// while the listener is held: a later put reaches the view, and keep-alives on the same client
				// keep coming for longer than the lease's TTL
				put("/micro/registry/stall/b", node("stall", "stall-b", 6002), 0);
				await().atMost(Duration.ofSeconds(5)).until(() -> stalled.getInstances("stall").size() == 2);
				await().atMost(Duration.ofSeconds(15)).until(() -> keepAlives.get() >= keepAlivesBefore + 4);
				assertThat(release.getCount()).isOne();
				assertThat(callsMade.get()).isPositive();
				assertThat(client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get(3, TimeUnit.SECONDS)
					.getTTL()).isPositive();

				release.countDown();
				put("/micro/registry/stall/c", node("stall", "stall-c", 6003), 0);
				await().atMost(Duration.ofSeconds(5)).until(() -> !revisions.isEmpty()
						&& revisions.get(revisions.size() - 1) == stalled.getRevision());
				// one call at a time, each at a later revision than the one before
				assertThat(maxActive).hasValue(1);
				for (int i = 1; i < revisions.size(); i++) {
					assertThat(revisions.get(i)).isGreaterThan(revisions.get(i - 1));
				}
			}
			finally {
				release.countDown();
				stalled.stop();
				own.getLeaseClient().revoke(lease).get(3, TimeUnit.SECONDS);
				deletePrefix("/micro/registry/stall/");
			}
		}
	}

	@Test
	void changesWithinTheNotificationDelayReachListenersTogether() throws Exception {
		EtcdCatalog gathering = new EtcdCatalog(client, "/micro/registry/", Duration.ofSeconds(3), 100,
				Duration.ofMillis(50), Duration.ofSeconds(1), Clock.systemUTC());
		gathering.setNotificationDelay(Duration.ofSeconds(2));
		List<Long> revisions = new CopyOnWriteArrayList<>();
		List<Set<String>> calls = new CopyOnWriteArrayList<>();
		gathering.addListener((revision, services) -> {
			revisions.add(revision);
			calls.add(services);
		});
		gathering.start();
		try {
			for (int i = 0; i < 10; i++) {
				put("/micro/registry/burst/n" + i, node("burst", "burst-" + i, 6500 + i), 0);
			}
			// the view follows every put at once; listeners hear of the burst in few calls
			await().atMost(Duration.ofSeconds(5)).until(() -> gathering.getInstances("burst").size() == 10);
			await().atMost(Duration.ofSeconds(10)).until(() -> !revisions.isEmpty()
					&& revisions.get(revisions.size() - 1) == gathering.getRevision());
			assertThat(calls.stream().filter((services) -> services.contains("burst")).count()).isBetween(1L, 5L);
		}
		finally {
			gathering.stop();
			deletePrefix("/micro/registry/burst/");
		}
	}

	@Test
	void findsServicesWithSlashesByTheirKeyNameAsGoMicroDoes() throws Exception {
		// go-micro registers "acc/slashed" under acc-slashed/, and its GetService("acc-slashed") finds it
		put("/micro/registry/acc-slashed/acc-1", node("acc/slashed", "acc-1", 6101), 0);
		await().atMost(Duration.ofSeconds(5)).until(() -> !catalog.getInstances("acc-slashed").isEmpty());
		EtcdDiscoveryClient blocking = new EtcdDiscoveryClient(catalog, 0);
		EtcdReactiveDiscoveryClient reactive = new EtcdReactiveDiscoveryClient(catalog, 0);
		for (String name : List.of("acc-slashed", "acc/slashed")) {
			assertThat(blocking.getInstances(name)).extracting(ServiceInstance::getInstanceId).containsExactly("acc-1");
			assertThat(reactive.getInstances(name).collectList().block(Duration.ofSeconds(5)))
				.extracting(ServiceInstance::getInstanceId)
				.containsExactly("acc-1");
		}
		assertThat(blocking.getInstances("acc-slashed").get(0).getServiceId()).isEqualTo("acc/slashed");
		assertThat(blocking.getServices()).contains("acc/slashed").doesNotContain("acc-slashed");
		assertThat(reactive.getServices().collectList().block(Duration.ofSeconds(5))).contains("acc/slashed");
		assertThat(blocking.getInstances("acc")).isEmpty();

		deletePrefix("/micro/registry/acc-slashed/");
		await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getInstances("acc/slashed").isEmpty());
		assertThat(blocking.getServices()).doesNotContain("acc/slashed");
	}

	@Test
	void periodicListingRemovesAnInstanceWhoseDeleteTheWatchMissed() throws Exception {
		EtcdCatalog resyncing = new EtcdCatalog(client, "/micro/registry/", Duration.ofSeconds(3), 100,
				Duration.ofMillis(50), Duration.ofSeconds(1), Clock.systemUTC());
		resyncing.setResyncInterval(Duration.ofSeconds(2));
		resyncing.start();
		try {
			put("/micro/registry/ghost/a", node("ghost", "ghost-a", 6201), 0);
			await().atMost(Duration.ofSeconds(5)).until(() -> resyncing.getInstances("ghost").size() == 1);
			long now = client.getKVClient().get(bytes("/none")).get(3, TimeUnit.SECONDS).getHeader().getRevision();
			// the watch skips the delete's revision, as one served by a member cut off from the quorum would
			resyncing.resumeWatchFrom(now + 2);
			client.getKVClient().delete(bytes("/micro/registry/ghost/a")).get(3, TimeUnit.SECONDS);
			put("/micro/registry/ghost/b", node("ghost", "ghost-b", 6202), 0);

			await().atMost(Duration.ofSeconds(5))
				.until(() -> resyncing.getInstances("ghost").stream().anyMatch((i) -> i.getInstanceId().equals("ghost-b")));
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(resyncing.getInstances("ghost"))
				.extracting(ServiceInstance::getInstanceId)
				.containsExactly("ghost-b"));
		}
		finally {
			resyncing.stop();
			deletePrefix("/micro/registry/ghost/");
		}
	}

	@Test
	void instancesGaugeLeavesWithItsServiceAndComesBackWithIt() throws Exception {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		new CatalogMetrics(catalog).bindTo(meters);
		put("/micro/registry/gauged/a", node("gauged", "gauged-a", 6301), 0);
		await().atMost(Duration.ofSeconds(5)).until(() -> gauge(meters, "gauged") != null);
		assertThat(gauge(meters, "gauged").value()).isEqualTo(1.0);

		deletePrefix("/micro/registry/gauged/");
		await().atMost(Duration.ofSeconds(5)).until(() -> gauge(meters, "gauged") == null);
		assertThat(meters.find("micro.discovery.instances").gauges())
			.noneMatch((g) -> "gauged".equals(g.getId().getTag("service")));

		put("/micro/registry/gauged/b", node("gauged", "gauged-b", 6302), 0);
		await().atMost(Duration.ofSeconds(5)).until(() -> gauge(meters, "gauged") != null);
		assertThat(gauge(meters, "gauged").value()).isEqualTo(1.0);
		deletePrefix("/micro/registry/gauged/");
	}

	private static Gauge gauge(MeterRegistry meters, String service) {
		return meters.find("micro.discovery.instances").tag("service", service).gauge();
	}

	/** Waits until listeners heard of every change the catalog applied. */
	private static void awaitHeartbeatsCaughtUp() {
		await().atMost(Duration.ofSeconds(5)).until(() -> !heartbeats.isEmpty()
				&& heartbeats.get(heartbeats.size() - 1) == catalog.getRevision());
	}

	private static void deletePrefix(String prefix) throws Exception {
		client.getKVClient()
			.delete(bytes(prefix), io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build())
			.get(3, TimeUnit.SECONDS);
	}

	static String node(String service, String id, int port) {
		return "{\"name\":\"" + service + "\",\"version\":\"1.0.0\",\"metadata\":{},\"endpoints\":[],\"nodes\":[{\"id\":\""
				+ id + "\",\"address\":\"127.0.0.1:" + port + "\",\"metadata\":{\"protocol\":\"http\"}}]}";
	}

	private static void put(String key, String value, long lease) throws Exception {
		PutOption option = (lease != 0) ? PutOption.builder().withLeaseId(lease).build() : PutOption.DEFAULT;
		client.getKVClient().put(bytes(key), bytes(value), option).get(3, TimeUnit.SECONDS);
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}


}
