package io.github.microspring.compat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.test.FreePorts;
import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The starter in an application without a web stack (a queue worker, a batch job): spring-web is not on its
 * classpath, and the application still starts, discovers services in etcd, and registers under the port it is
 * given ({@code micro.registry.port}: it has no web server whose port it could announce).
 */
@ExtendWith(EtcdExtension.class)
class WorkerWithoutWebStackTests {

	@Test
	void startsRegistersAndDiscoversWithoutSpringWebOnTheClasspath(EtcdServer etcd) throws Exception {
		assertThat(ClassUtils.isPresent("org.springframework.http.HttpStatusCode", null))
			.as("this build leaves spring-web out").isFalse();
		int port = FreePorts.take();
		try (Client client = Client.builder().endpoints(etcd.endpoint()).build();
				ConfigurableApplicationContext worker = new SpringApplicationBuilder(Worker.class)
					.web(WebApplicationType.NONE)
					.properties("spring.application.name=worker", "micro.etcd.endpoints=" + etcd.endpoint(),
							"micro.registry.port=" + port)
					.run()) {
			client.getKVClient()
				.put(bytes("/micro/registry/greeter/greeter-1"), bytes("""
						{"name":"greeter","version":"1.0.0","nodes":[{"id":"greeter-1","address":"127.0.0.1:50051"}]}
						"""))
				.get(5, TimeUnit.SECONDS);
			DiscoveryClient discovery = worker.getBean(DiscoveryClient.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> !discovery.getInstances("greeter").isEmpty());
			assertThat(discovery.getInstances("greeter").get(0).getPort()).isEqualTo(50051);
			await().atMost(Duration.ofSeconds(10)).until(() -> !discovery.getInstances("worker").isEmpty());
			assertThat(discovery.getInstances("worker").get(0).getPort()).isEqualTo(port);
		}
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Worker {

	}

}
