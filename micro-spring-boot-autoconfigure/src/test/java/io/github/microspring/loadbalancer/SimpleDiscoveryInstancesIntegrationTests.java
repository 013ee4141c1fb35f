package io.github.microspring.loadbalancer;

import java.time.Duration;
import java.util.Map;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.test.FreePorts;
import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static io.github.microspring.loadbalancer.LoadBalancedCaller.calls;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Instances declared with Spring Cloud's {@code spring.cloud.discovery.client.simple.instances.*}, which have
 * no instance id, beside etcd discovery: calls through our balancer reach them, and a failing one is
 * ejected like any other.
 */
@ExtendWith(EtcdExtension.class)
class SimpleDiscoveryInstancesIntegrationTests {

	@Test
	void instancesWithoutIdAreBalancedAndAFailingOneIsEjected(EtcdServer server) throws Exception {
		int[] ports = FreePorts.take(3);
		HttpServer first = EchoServer.start("first", ports[0]);
		HttpServer second = EchoServer.start("second", ports[1]);
		// nothing listens on ports[2]: calls to it are refused
		try (ConfigurableApplicationContext application = new SpringApplicationBuilder(LoadBalancedCaller.Application.class)
			.properties("spring.application.name=simple-client", "spring.main.web-application-type=none",
					"spring.main.banner-mode=off", "micro.etcd.endpoints=" + server.endpoint(),
					"micro.registry.enabled=false",
					"spring.cloud.discovery.client.simple.instances.plain[0].uri=http://127.0.0.1:" + ports[0],
					"spring.cloud.discovery.client.simple.instances.plain[1].uri=http://127.0.0.1:" + ports[1],
					"spring.cloud.discovery.client.simple.instances.mixed[0].uri=http://127.0.0.1:" + ports[0],
					"spring.cloud.discovery.client.simple.instances.mixed[1].uri=http://127.0.0.1:" + ports[2])
			.run()) {
			WebClient web = application.getBean(WebClient.Builder.class).build();
			RestClient rest = application.getBean(RestClient.Builder.class).build();
			Ejections ejections = application.getBean(Ejections.class);

			Map<String, Integer> plain = calls(() -> web.get().uri("http://plain/").retrieve().bodyToMono(String.class)
				.block(Duration.ofSeconds(5)), 20);
			assertThat(plain).containsOnlyKeys("first", "second");
			assertThat(plain.values()).allSatisfy((count) -> assertThat(count).isEqualTo(10));

			Map<String, Integer> mixed = calls(() -> rest.get().uri("http://mixed/").retrieve().body(String.class), 20);
			assertThat(mixed).containsOnlyKeys("first");
			assertThat(ejections.isEjected(new DefaultServiceInstance(null, "mixed", "127.0.0.1", ports[2], false)))
				.isTrue();
			assertThat(ejections.isEjected(new DefaultServiceInstance(null, "mixed", "127.0.0.1", ports[0], false)))
				.isFalse();
		}
		finally {
			first.stop(0);
			second.stop(0);
		}
	}

}
