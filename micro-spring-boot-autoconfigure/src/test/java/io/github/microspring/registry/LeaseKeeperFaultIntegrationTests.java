package io.github.microspring.registry;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The lease keeper where etcd answers late, not at all, or another instance claims the same key.
 */
@ExtendWith({ EtcdExtension.class, OutputCaptureExtension.class })
class LeaseKeeperFaultIntegrationTests {

	private static final String PREFIX = "/micro/registry";

	@Test
	void revokesLeasesGrantedAfterItGaveUpWaiting() throws Exception {
		try (EtcdServer etcd = EtcdServer.start(); Client client = client(etcd.endpoint())) {
			// the connection is up before the pause, so requests reach etcd's socket and wait there
			client.getKVClient().get(bytes("/warm-up")).get(10, TimeUnit.SECONDS);
			EtcdServiceRegistry registry = new EtcdServiceRegistry(client, PREFIX, Duration.ofSeconds(60),
					Duration.ofMillis(500), Duration.ofMillis(300), () -> null, Clock.systemUTC());
			EtcdRegistration registration = registration("late", 8080);
			try {
				etcd.freeze();
				try {
					registry.register(registration);
					await().atMost(Duration.ofSeconds(20)).until(() -> registry.keeper(registration).failures() >= 3);
				}
				finally {
					etcd.thaw();
				}
				await().atMost(Duration.ofSeconds(20))
					.until(() -> "REGISTERED".equals(registry.keeper(registration).state().name()));
				long lease = registry.keeper(registration).leaseId();
				// the grants that timed out during the pause land now; each is revoked when its answer arrives,
				// long before their 60 s TTL would have removed them
				await().atMost(Duration.ofSeconds(15)).until(() -> leases(etcd).equals(List.of(lease)));
				assertThat(keys(client, PREFIX + "/late/")).singleElement()
					.satisfies((kv) -> assertThat(kv.getLease()).isEqualTo(lease));
			}
			finally {
				registry.close();
			}
		}
	}

	@Test
	void leavesNoLeaseOrKeyBehindWhenCallsOutlastTheirDeadline() throws Exception {
		try (EtcdServer etcd = EtcdServer.start(); Client client = client(etcd.endpoint())) {
			client.getKVClient().get(bytes("/warm-up")).get(10, TimeUnit.SECONDS);
			// a deadline shorter than etcd's answers: grants and puts land after we gave up on them
			EtcdServiceRegistry registry = new EtcdServiceRegistry(client, PREFIX, Duration.ofSeconds(60),
					Duration.ofMillis(200), Duration.ofMillis(1), () -> null, Clock.systemUTC());
			EtcdRegistration registration = registration("hurried", 8080);
			registry.register(registration);
			LeaseKeeper keeper = registry.keeper(registration);
			// a machine fast enough to answer within the deadline registers instead: nothing may be left either way
			await().atMost(Duration.ofSeconds(30)).until(() -> keeper.failures() >= 10 || keeper.registrations() > 0);
			registry.close();

			await().atMost(Duration.ofSeconds(15)).until(() -> leases(etcd).isEmpty());
			assertThat(keys(client, PREFIX + "/hurried/")).isEmpty();
		}
	}

	@Test
	void yieldsWhenAnotherInstanceHoldsItsNodeId(EtcdServer etcd, CapturedOutput output) throws Exception {
		Duration interval = Duration.ofMillis(300);
		try (Client client = client(etcd.endpoint())) {
			EtcdServiceRegistry first = new EtcdServiceRegistry(client, PREFIX, Duration.ofSeconds(5), interval,
					Duration.ofSeconds(2), () -> null, Clock.systemUTC());
			EtcdServiceRegistry second = new EtcdServiceRegistry(client, PREFIX, Duration.ofSeconds(5), interval,
					Duration.ofSeconds(2), () -> null, Clock.systemUTC());
			String nodeId = "twin-" + UUID.randomUUID();
			EtcdRegistration one = new EtcdRegistration("twin", "1.0.0", nodeId, "127.0.0.1", 8081, false, Map.of());
			EtcdRegistration two = new EtcdRegistration("twin", "1.0.0", nodeId, "127.0.0.1", 8082, false, Map.of());
			String key = RegistryCodec.key(PREFIX, "twin", nodeId);
			try {
				first.register(one);
				await().atMost(Duration.ofSeconds(5)).until(() -> keys(client, key).size() == 1);
				second.register(two);

				await().atMost(Duration.ofSeconds(10))
					.until(() -> "CONFLICT".equals(first.keeper(one).state().name()));
				KeyValue settled = keys(client, key).get(0);
				assertThat(settled.getValue().toString(StandardCharsets.UTF_8)).contains("127.0.0.1:8082");
				assertThat(settled.getLease()).isEqualTo(second.keeper(two).leaseId());
				// neither puts the key any more: no storm of changes for every watcher
				await().during(interval.multipliedBy(5))
					.atMost(interval.multipliedBy(10))
					.until(() -> keys(client, key).get(0).getVersion() == settled.getVersion());

				Health health = new RegistrationHealthIndicator(first, one).health();
				assertThat(health.getStatus()).isEqualTo(Status.DOWN);
				assertThat(health.getDetails()).containsEntry("address", "127.0.0.1:8081")
					.containsEntry("conflictingAddress", "127.0.0.1:8082");
				assertThat(new RegistrationHealthIndicator(second, two).health().getStatus()).isEqualTo(Status.UP);
				assertThat(output.getAll().lines().filter((line) -> line.contains(nodeId) && line.contains("ERROR")))
					.singleElement()
					.satisfies((line) -> assertThat(line).contains("127.0.0.1:8081", "127.0.0.1:8082",
							"micro.registry.node-id"));
			}
			finally {
				first.close();
				second.close();
			}
		}
	}

	@Test
	void logsOneWarningPerOutageAndOneInfoWhenRegisteredAgain(CapturedOutput output) throws Exception {
		LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
		logging.setLogLevel(LeaseKeeper.class.getName(), LogLevel.DEBUG);
		try (EtcdServer etcd = EtcdServer.start(); Client client = client(etcd.endpoint())) {
			EtcdServiceRegistry registry = new EtcdServiceRegistry(client, PREFIX, Duration.ofSeconds(3),
					Duration.ofMillis(300), Duration.ofSeconds(1), () -> null, Clock.systemUTC());
			EtcdRegistration registration = registration("outage", 8080);
			try {
				registry.register(registration);
				LeaseKeeper keeper = registry.keeper(registration);
				await().atMost(Duration.ofSeconds(10)).until(() -> "REGISTERED".equals(keeper.state().name()));
				// on a loaded machine the first attempt may already have timed out: count from the outage on
				int outageStart = output.getAll().length();

				etcd.stop();
				// checks fail, the lease outlives its deadline, registration attempts fail one after another
				await().atMost(Duration.ofSeconds(30)).until(() -> keeper.failures() >= 4);
				etcd.restart();
				await().atMost(Duration.ofSeconds(20))
					.until(() -> "REGISTERED".equals(keeper.state().name()) && keeper.registrations() >= 2);

				List<String> lines = new ArrayList<>();
				output.getAll()
					.substring(outageStart)
					.lines()
					.filter((line) -> line.contains("LeaseKeeper") && line.contains(registration.getInstanceId()))
					.forEach(lines::add);
				assertThat(lines).filteredOn((line) -> line.contains("ERROR")).isEmpty();
				assertThat(lines).filteredOn((line) -> line.contains("WARN"))
					.singleElement()
					.satisfies((line) -> assertThat(line).contains("Cannot", "retrying in the background"));
				assertThat(lines).filteredOn((line) -> line.contains("INFO") && line.contains("again"))
					.singleElement()
					.satisfies((line) -> assertThat(line).containsPattern("after \\d+ s without etcd"));
				assertThat(lines).filteredOn((line) -> line.contains("DEBUG") && line.contains("Still cannot"))
					.hasSizeGreaterThanOrEqualTo(3);
			}
			finally {
				registry.close();
			}
		}
		finally {
			logging.setLogLevel(LeaseKeeper.class.getName(), null);
		}
	}

	/**
	 * Sends a signal to the etcd process by its PID: {@code STOP} freezes it as a hung host would,
	 * {@code CONT} lets it go on.
	 */
	static List<Long> leases(EtcdServer etcd) {
		Matcher ids = Pattern.compile("\"ID\":\"?(\\d+)").matcher(etcd.post("/v3/lease/leases", "{}", null));
		List<Long> leases = new ArrayList<>();
		while (ids.find()) {
			leases.add(Long.parseLong(ids.group(1)));
		}
		return leases;
	}

	private static EtcdRegistration registration(String service, int port) {
		return new EtcdRegistration(service, "1.0.0", service + "-" + UUID.randomUUID(), "127.0.0.1", port, false,
				Map.of("protocol", "http", "scheme", "http"));
	}

	private static List<KeyValue> keys(Client client, String prefix) throws Exception {
		return LeaseKeeperIntegrationTests.keys(client, prefix);
	}

	private static Client client(String endpoint) {
		return Client.builder().endpoints(endpoint).build();
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

}
