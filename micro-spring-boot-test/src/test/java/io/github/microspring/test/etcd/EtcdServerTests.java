package io.github.microspring.test.etcd;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class EtcdServerTests {

	@Test
	void keepsDataAcrossKillAndRestartButNotAcrossRestartEmpty() {
		try (EtcdServer etcd = EtcdServer.start()) {
			etcd.put("/k", "v1");
			assertThat(etcd.get("/k")).isEqualTo("v1");
			long pid = etcd.pid();
			etcd.kill();
			assertThat(etcd.isRunning()).isFalse();
			assertThat(ProcessHandle.of(pid)).isEmpty();
			etcd.restart();
			assertThat(etcd.get("/k")).isEqualTo("v1");
			etcd.restartEmpty();
			assertThat(etcd.get("/k")).isNull();
		}
	}

	@Test
	void authRefusesCallsWithoutToken() {
		try (EtcdServer etcd = EtcdServer.startWithAuth("pw")) {
			assertThatIllegalStateException().isThrownBy(() -> etcd.get("/k"));
			String token = etcd.post("/v3/auth/authenticate", "{\"name\":\"root\",\"password\":\"pw\"}", null);
			assertThat(token).contains("\"token\"");
		}
	}

	@Test
	void clusterElectsNewLeaderWhenTheLeaderIsKilled() {
		try (EtcdCluster cluster = EtcdCluster.start(3)) {
			assertThat(cluster.endpoints()).hasSize(3).doesNotHaveDuplicates();
			int leader = cluster.leaderIndex();
			cluster.member(leader).kill();
			org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
				int next = cluster.leaderIndex();
				return next != leader;
			});
			cluster.member((leader + 1) % 3).put("/after", "kill");
			cluster.member(leader).restart();
			org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).ignoreExceptions()
				.until(() -> "kill".equals(cluster.member(leader).get("/after")));
		}
	}

}
