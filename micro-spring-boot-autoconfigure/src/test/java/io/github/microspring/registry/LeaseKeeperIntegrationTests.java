package io.github.microspring.registry;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.discovery.EtcdCatalog;
import io.github.microspring.test.etcd.EtcdCluster;
import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Registration kept alive against a real etcd: leases lost in every way users meet, and repaired under
 * the same node id.
 */
@ExtendWith(EtcdExtension.class)
class LeaseKeeperIntegrationTests {

	private static final Duration TTL = Duration.ofSeconds(3);

	private static final Duration INTERVAL = Duration.ofSeconds(1);

	@Test
	void reCreatesKeyAfterLeaseIsRevokedFromOutside(EtcdServer etcd) throws Exception {
		try (Client client = client(etcd.endpoint())) {
			EtcdRegistration registration = registration("revoked");
			EtcdServiceRegistry registry = registry(client, null);
			registry.register(registration);
			String key = key(registration);
			KeyValue first = awaitSingleKey(client, key);

			client.getLeaseClient().revoke(first.getLease()).get(3, TimeUnit.SECONDS);

			await().atMost(INTERVAL.plus(TTL).plusSeconds(2)).until(() -> {
				List<KeyValue> kvs = keys(client, "/micro/registry/revoked/");
				return kvs.size() == 1 && kvs.get(0).getLease() != first.getLease();
			});
			// the keeper counts the registration once etcd has answered the put, which may be after we saw the key
			await().atMost(Duration.ofSeconds(3))
				.untilAsserted(() -> assertThat(registry.keeper(registration).registrations()).isGreaterThanOrEqualTo(2));
			registry.close();
			await().atMost(Duration.ofSeconds(3)).until(() -> keys(client, "/micro/registry/revoked/").isEmpty());
		}
	}

	@Test
	void reCreatesKeyDeletedFromOutsideWhileTheCatalogWatches(EtcdServer etcd) throws Exception {
		try (Client client = client(etcd.endpoint())) {
			EtcdCatalog catalog = new EtcdCatalog(client, "/micro/registry/", Duration.ofSeconds(3), 100,
					Duration.ofMillis(50), Duration.ofSeconds(1), Clock.systemUTC());
			catalog.start();
			EtcdServiceRegistry registry = registry(client, catalog);
			EtcdRegistration registration = registration("deleted");
			try {
				registry.register(registration);
				String key = key(registration);
				awaitSingleKey(client, key);
				await().atMost(Duration.ofSeconds(3)).until(() -> catalog.getInstances("deleted").size() == 1);

				client.getKVClient().delete(bytes(key)).get(3, TimeUnit.SECONDS);

				await().atMost(INTERVAL.multipliedBy(3)).until(() -> keys(client, key).size() == 1);
				await().atMost(Duration.ofSeconds(3)).until(() -> catalog.getInstances("deleted").size() == 1);
			}
			finally {
				registry.close();
				catalog.stop();
			}
		}
	}

	@Test
	void comesBackUnderSameNodeIdAfterEtcdRestartsWithEmptyDataDir() throws Exception {
		try (EtcdServer etcd = EtcdServer.start(); Client client = client(etcd.endpoint())) {
			EtcdCatalog catalog = new EtcdCatalog(client, "/micro/registry/", Duration.ofSeconds(1), 100,
					Duration.ofMillis(50), Duration.ofMillis(500), Clock.systemUTC());
			catalog.start();
			EtcdServiceRegistry registry = registry(client, catalog);
			EtcdRegistration registration = registration("amnesia");
			try {
				registry.register(registration);
				String key = key(registration);
				awaitSingleKey(client, key);
				await().atMost(Duration.ofSeconds(3)).until(() -> catalog.getInstances("amnesia").size() == 1);

				etcd.restartEmpty();
				assertThat(keys(client, "/micro/registry/")).isEmpty();

				// the lease is unknown to the new etcd: a new lease, the same key, and only it
				await().atMost(INTERVAL.plus(TTL).plusSeconds(3)).until(() -> keys(client, key).size() == 1);
				assertThat(keys(client, "/micro/registry/amnesia/")).hasSize(1);
				assertThat(keys(client, "/micro/registry/amnesia/").get(0).getKey().toString(StandardCharsets.UTF_8))
					.isEqualTo(key);
				// the catalog noticed the lost data and follows the new etcd
				await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getStaleSince() == null
						&& catalog.getInstances("amnesia").size() == 1);
				client.getKVClient().put(bytes("/micro/registry/after/a"),
						bytes("{\"name\":\"after\",\"nodes\":[{\"id\":\"a\",\"address\":\"127.0.0.1:1\"}]}"))
					.get(3, TimeUnit.SECONDS);
				await().atMost(Duration.ofSeconds(3)).until(() -> catalog.getInstances("after").size() == 1);
			}
			finally {
				registry.close();
				catalog.stop();
			}
		}
	}

	@Test
	void registrationAndWatchSurviveTheLeaderBeingKilled() throws Exception {
		try (EtcdCluster cluster = EtcdCluster.start(3);
				Client client = Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build()) {
			EtcdCatalog catalog = new EtcdCatalog(client, "/micro/registry/", Duration.ofSeconds(2), 100,
					Duration.ofMillis(50), Duration.ofMillis(500), Clock.systemUTC());
			catalog.start();
			EtcdServiceRegistry registry = new EtcdServiceRegistry(client, "/micro/registry", TTL, INTERVAL,
					Duration.ofSeconds(2), () -> catalog, Clock.systemUTC());
			EtcdRegistration first = registration("cluster");
			EtcdRegistration second = registration("cluster");
			List<Integer> sizes = new java.util.concurrent.CopyOnWriteArrayList<>();
			catalog.addListener((revision, services) -> sizes.add(catalog.getInstances("cluster").size()));
			try {
				registry.register(first);
				registry.register(second);
				await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getInstances("cluster").size() == 2);
				sizes.clear();
				long renewalsBefore = registry.keeper(first).renewals();

				int leader = cluster.leaderIndex();
				cluster.member(leader).kill();

				// leases keep being renewed through the survivors, and the watch sees new writes
				await().atMost(TTL.multipliedBy(3)).until(() -> registry.keeper(first).renewals() > renewalsBefore + 2);
				client.getKVClient().put(bytes("/micro/registry/cluster-probe/p"),
						bytes("{\"name\":\"cluster-probe\",\"nodes\":[{\"id\":\"p\",\"address\":\"127.0.0.1:2\"}]}"))
					.get(5, TimeUnit.SECONDS);
				await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getInstances("cluster-probe").size() == 1);
				assertThat(catalog.getInstances("cluster")).hasSize(2);
				assertThat(sizes).allMatch((size) -> size == 2);
				assertThat(keys(client, "/micro/registry/cluster/")).hasSize(2);
				assertThat(registry.keeper(first).registrations()).isEqualTo(1);

				cluster.member(leader).restart();
			}
			finally {
				registry.close();
				catalog.stop();
			}
		}
	}

	@Test
	void keyAndValueMatchGoMicroWireFormat(EtcdServer etcd) throws Exception {
		try (Client client = client(etcd.endpoint())) {
			EtcdServiceRegistry registry = registry(client, null);
			EtcdRegistration registration = new EtcdRegistration("comment/api", "1.2.3", "comment-api-1", "127.0.0.1",
					8081, false, Map.of("protocol", "http", "scheme", "http", "zone", "a"));
			try {
				registry.register(registration);
				KeyValue kv = awaitSingleKey(client, "/micro/registry/comment-api/comment-api-1");
				assertThat(kv.getLease()).isNotZero();
				var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(kv.getValue().getBytes());
				assertThat(json.toString()).isEqualTo("{\"name\":\"comment/api\",\"version\":\"1.2.3\",\"metadata\":{},"
						+ "\"endpoints\":[],\"nodes\":[{\"id\":\"comment-api-1\",\"address\":\"127.0.0.1:8081\","
						+ "\"metadata\":{\"protocol\":\"http\",\"scheme\":\"http\",\"zone\":\"a\"}}]}");
			}
			finally {
				registry.close();
			}
		}
	}

	@Test
	void registersAgainWhenTheLeaseDeadlinePassesWithoutRenewal(EtcdServer etcd) throws Exception {
		MovableClock clock = new MovableClock();
		try (Client client = client(etcd.endpoint())) {
			EtcdServiceRegistry registry = new EtcdServiceRegistry(client, "/micro/registry", TTL,
					Duration.ofMillis(200), Duration.ofSeconds(1), () -> null, clock);
			EtcdRegistration registration = registration("deadline");
			try {
				registry.register(registration);
				KeyValue first = awaitSingleKey(client, key(registration));

				// the keeper's clock runs ahead of every renewal: to the keeper the lease outlived its deadline
				await().atMost(Duration.ofSeconds(5)).until(() -> {
					clock.advance(TTL.plusSeconds(5));
					List<KeyValue> kvs = keys(client, "/micro/registry/deadline/");
					return kvs.size() == 1 && kvs.get(0).getLease() != first.getLease();
				});
				assertThat(registry.keeper(registration).registrations()).isGreaterThanOrEqualTo(2);
			}
			finally {
				registry.close();
			}
		}
	}

	@Test
	void steadyStateCheckReadsEtcdOnlyWhenNoWatchCanAnswer() throws Exception {
		try (EtcdServer etcd = EtcdServer.start(); Client client = client(etcd.endpoint())) {
			EtcdCatalog catalog = new EtcdCatalog(client, "/micro/registry/", Duration.ofSeconds(3), 100,
					Duration.ofMillis(50), Duration.ofSeconds(1), Clock.systemUTC());
			catalog.start();
			Duration interval = Duration.ofMillis(200);
			EtcdServiceRegistry watched = new EtcdServiceRegistry(client, "/micro/registry", TTL, interval,
					Duration.ofSeconds(1), () -> catalog, Clock.systemUTC());
			EtcdServiceRegistry blind = new EtcdServiceRegistry(client, "/micro/registry", TTL, interval,
					Duration.ofSeconds(1), () -> null, Clock.systemUTC());
			try {
				EtcdRegistration registration = registration("quiet");
				watched.register(registration);
				await().atMost(Duration.ofSeconds(3)).until(() -> catalog.getInstances("quiet").size() == 1);
				long ranges = rangeCalls(etcd);
				long renewals = watched.keeper(registration).renewals();
				await().atMost(Duration.ofSeconds(10))
					.until(() -> watched.keeper(registration).renewals() >= renewals + 1);
				assertThat(rangeCalls(etcd)).isEqualTo(ranges);

				EtcdRegistration other = registration("loud");
				blind.register(other);
				await().atMost(Duration.ofSeconds(5)).until(() -> rangeCalls(etcd) >= ranges + 3);
			}
			finally {
				watched.close();
				blind.close();
				catalog.stop();
			}
		}
	}

	private static long rangeCalls(EtcdServer etcd) throws Exception {
		String metrics = java.net.http.HttpClient.newHttpClient()
			.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(etcd.endpoint() + "/metrics")).build(),
					java.net.http.HttpResponse.BodyHandlers.ofString())
			.body();
		java.util.regex.Matcher matcher = java.util.regex.Pattern
			.compile("grpc_server_started_total\\{[^}]*grpc_method=\"Range\"[^}]*} (\\S+)")
			.matcher(metrics);
		return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : 0;
	}

	/**
	 * A clock the test moves forward by hand.
	 */
	static final class MovableClock extends Clock {

		private volatile java.time.Instant now = java.time.Instant.now();

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public java.time.ZoneId getZone() {
			return java.time.ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

		@Override
		public java.time.Instant instant() {
			return this.now;
		}

	}

	private static EtcdServiceRegistry registry(Client client, RegisteredKeyView view) {
		return new EtcdServiceRegistry(client, "/micro/registry", TTL, INTERVAL, Duration.ofSeconds(1), () -> view,
				Clock.systemUTC());
	}

	private static EtcdRegistration registration(String service) {
		return new EtcdRegistration(service, "1.0.0", service + "-" + java.util.UUID.randomUUID(), "127.0.0.1", 8080,
				false, Map.of("protocol", "http", "scheme", "http"));
	}

	private static String key(EtcdRegistration registration) {
		return RegistryCodec.key("/micro/registry", registration.getServiceId(), registration.getInstanceId());
	}

	private static KeyValue awaitSingleKey(Client client, String key) throws Exception {
		await().atMost(Duration.ofSeconds(5)).until(() -> keys(client, key).size() == 1);
		return keys(client, key).get(0);
	}

	static List<KeyValue> keys(Client client, String prefix) throws Exception {
		return client.getKVClient()
			.get(bytes(prefix), GetOption.builder().isPrefix(true).build())
			.get(3, TimeUnit.SECONDS)
			.getKvs();
	}

	private static Client client(String endpoint) {
		return Client.builder().endpoints(endpoint).build();
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

}
