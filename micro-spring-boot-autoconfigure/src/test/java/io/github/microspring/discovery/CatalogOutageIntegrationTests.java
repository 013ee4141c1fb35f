package io.github.microspring.discovery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.test.etcd.EtcdCluster;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeout;

/**
 * The catalog when etcd goes away, loses its quorum or answers too much at once; each test runs its own
 * etcd.
 */
@ExtendWith(OutputCaptureExtension.class)
class CatalogOutageIntegrationTests {

	private static final String PREFIX = "/micro/registry/";

	@Test
	void memberCutOffFromTheQuorumIsReportedStaleAndTheCatalogFollowsAgainOnceItIsBack() throws Exception {
		try (EtcdCluster cluster = EtcdCluster.start(3);
				Client onlyFirst = Client.builder().endpoints(cluster.member(0).endpoint()).build();
				Client others = Client.builder()
					.endpoints(cluster.member(1).endpoint(), cluster.member(2).endpoint())
					.build()) {
			EtcdCatalog catalog = catalog(onlyFirst, Duration.ofSeconds(2), 100, Duration.ofMillis(100),
					Duration.ofSeconds(1));
			CatalogHealthIndicator health = new CatalogHealthIndicator(catalog);
			catalog.start();
			try {
				put(others, PREFIX + "iso/a", node("iso", "iso-a", 6401));
				await().atMost(Duration.ofSeconds(10)).until(() -> catalog.getInstances("iso").size() == 1);
				assertThat(health.health().getStatus()).isEqualTo(Status.UP);

				// the first member keeps running alone: no leader, no quorum, but its watch stream stays open
				cluster.member(1).stop();
				cluster.member(2).stop();

				await().atMost(Duration.ofSeconds(30)).until(() -> health.health().getStatus() == Status.UNKNOWN);
				Health stale = health.health();
				assertThat(stale.getDetails()).containsEntry("inSync", false).containsKey("staleSince");
				assertThat(catalog.getInstances("iso")).hasSize(1);

				cluster.member(1).restart();
				cluster.member(2).restart();
				put(others, PREFIX + "iso/b", node("iso", "iso-b", 6402));
				await().atMost(Duration.ofSeconds(30)).until(() -> catalog.getInstances("iso").size() == 2
						&& health.health().getStatus() == Status.UP);
				assertThat(health.health().getDetails()).containsEntry("inSync", true).doesNotContainKey("staleSince");
			}
			finally {
				catalog.stop();
			}
		}
	}

	@Test
	void pageLargerThanTheClientAcceptsIsListedInSmallerPages() throws Exception {
		try (EtcdServer etcd = EtcdServer.start(); Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
			// 60 values of about 100 KiB: a page of 100 keys is about 6 MB, over gRPC's default 4 MiB
			String padding = "x".repeat(100 * 1024);
			for (int i = 0; i < 60; i++) {
				put(client, PREFIX + "big/n" + i, "{\"name\":\"big\",\"version\":\"1\",\"metadata\":{\"pad\":\"" + padding
						+ "\"},\"nodes\":[{\"id\":\"big-" + i + "\",\"address\":\"127.0.0.1:" + (7000 + i) + "\"}]}");
			}
			EtcdCatalog catalog = catalog(client, Duration.ofSeconds(5), 100, Duration.ofMillis(50),
					Duration.ofSeconds(1));
			catalog.start();
			try {
				await().atMost(Duration.ofSeconds(30)).until(() -> catalog.getInstances("big").size() == 60);
				assertThat(catalog.getPageSize()).isLessThan(100).isPositive();
				assertThat(catalog.getStaleSince()).isNull();
			}
			finally {
				catalog.stop();
			}
		}
	}

	@Test
	void stopReturnsPromptlyWhileEtcdIsDown() throws Exception {
		try (EtcdServer etcd = EtcdServer.start(); Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
			etcd.kill();
			// listing again at once after each failure: a listing waiting on the 5 s call timeout is under way
			EtcdCatalog catalog = catalog(client, Duration.ofSeconds(5), 100, Duration.ofMillis(1),
					Duration.ofMillis(1));
			catalog.start();
			assertThat(catalog.getStaleSince()).isNotNull();

			assertTimeout(Duration.ofSeconds(2), () -> catalog.stop());
			assertThat(catalog.isRunning()).isFalse();
		}
	}

	@Test
	void outageIsOneWarningThenOneInfoWithRetriesAtDebug(CapturedOutput output) throws Exception {
		LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
		logging.setLogLevel(EtcdCatalog.class.getName(), LogLevel.DEBUG);
		try (EtcdServer etcd = EtcdServer.start(); Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
			EtcdCatalog catalog = catalog(client, Duration.ofSeconds(1), 100, Duration.ofMillis(50),
					Duration.ofMillis(200));
			catalog.start();
			try {
				assertThat(catalog.getStaleSince()).isNull();
				int from = output.toString().length();

				etcd.kill();
				await().atMost(Duration.ofSeconds(20)).until(() -> catalogLines(output, from, "still unreachable") >= 3);
				etcd.restart();
				await().atMost(Duration.ofSeconds(20)).until(() -> catalog.getStaleSince() == null);

				List<String> lines = output.toString().substring(from).lines().filter((l) -> l.contains("EtcdCatalog")).toList();
				List<String> warnings = lines.stream().filter((l) -> l.contains("WARN")).toList();
				assertThat(warnings).singleElement().asString().contains("Cannot read etcd").contains("Exception: ");
				assertThat(lines.stream().filter((l) -> l.contains("INFO"))).singleElement()
					.asString()
					.contains("etcd is back after");
				assertThat(lines.stream().filter((l) -> l.contains("still unreachable")))
					.allMatch((l) -> l.contains("DEBUG"));
			}
			finally {
				catalog.stop();
			}
		}
		finally {
			logging.setLogLevel(EtcdCatalog.class.getName(), null);
		}
	}

	private static long catalogLines(CapturedOutput output, int from, String text) {
		return output.toString().substring(from).lines().filter((l) -> l.contains("EtcdCatalog") && l.contains(text)).count();
	}

	private static EtcdCatalog catalog(Client client, Duration callTimeout, int pageSize, Duration minBackoff,
			Duration maxBackoff) {
		EtcdCatalog catalog = new EtcdCatalog(client, PREFIX, callTimeout, pageSize, minBackoff, maxBackoff,
				Clock.systemUTC());
		catalog.setNotificationDelay(Duration.ZERO);
		return catalog;
	}

	private static String node(String service, String id, int port) {
		return DiscoveryIntegrationTests.node(service, id, port);
	}

	private static void put(Client client, String key, String value) throws Exception {
		client.getKVClient().put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS);
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

}
