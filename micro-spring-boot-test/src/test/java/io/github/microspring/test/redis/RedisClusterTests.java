package io.github.microspring.test.redis;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisClusterTests {

	@Test
	void threeMastersFormOneClusterCoveringEverySlot() {
		try (RedisCluster cluster = RedisCluster.start(3)) {
			assertThat(cluster.nodes()).hasSize(3);
			String info = cluster.cli(cluster.ports().get(0), "CLUSTER INFO");
			assertThat(info).contains("cluster_state:ok").contains("cluster_slots_assigned:16384")
				.contains("cluster_known_nodes:3");
		}
	}

}
