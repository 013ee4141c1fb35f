package io.github.microspring.loadbalancer;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.test.FreePorts;
import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Where Spring Cloud's retries go, from WebClient and from a blocking client with Spring Retry:
 * {@code max-retries-on-same-service-instance} retries the same instance, {@code
 * max-retries-on-next-service-instance} another one. Three instances in etcd that answer 503.
 */
@ExtendWith(EtcdExtension.class)
class RetryTargetIntegrationTests {

	private static final List<String> hits = new CopyOnWriteArrayList<>();

	private static final List<HttpServer> servers = new ArrayList<>();

	private static ConfigurableApplicationContext application;

	private static Client etcd;

	private static long lease;

	@BeforeAll
	static void startServersAndCaller(EtcdServer server) throws Exception {
		etcd = Client.builder().endpoints(server.endpoint()).build();
		lease = etcd.getLeaseClient().grant(60).get(5, TimeUnit.SECONDS).getID();
		int[] ports = FreePorts.take(3);
		for (int i = 0; i < 3; i++) {
			servers.add(unavailable("node-" + i, ports[i]));
			for (String service : List.of("reactive", "blocking")) {
				EchoServer.register(etcd, service, "node-" + i, ports[i], lease);
			}
		}
		List<String> properties = new ArrayList<>(List.of("spring.application.name=retry-client",
				"spring.main.web-application-type=none", "spring.main.banner-mode=off",
				"micro.etcd.endpoints=" + server.endpoint(), "micro.registry.enabled=false"));
		for (String service : List.of("reactive", "blocking")) {
			String retry = "spring.cloud.loadbalancer.clients." + service + ".retry.";
			properties.add(retry + "max-retries-on-same-service-instance=1");
			properties.add(retry + "max-retries-on-next-service-instance=1");
			properties.add(retry + "retryable-status-codes=503");
		}
		application = new SpringApplicationBuilder(LoadBalancedCaller.Application.class).properties(properties.toArray(new String[0]))
			.run();
		DiscoveryClient discovery = application.getBean(DiscoveryClient.class);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> discovery.getInstances("reactive").size() == 3 && discovery.getInstances("blocking").size() == 3);
	}

	@AfterAll
	static void stop() throws Exception {
		if (application != null) {
			application.close();
		}
		servers.forEach((server) -> server.stop(0));
		if (etcd != null) {
			etcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
			etcd.close();
		}
	}

	@Test
	void webClientRetriesTheSameInstanceThenAnother() {
		hits.clear();
		WebClient web = application.getBean(WebClient.Builder.class).build();
		try {
			web.get().uri("http://reactive/").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(5));
		}
		catch (RuntimeException expected) {
			// every instance answers 503
		}
		assertSameThenAnother();
	}

	@Test
	void blockingClientRetriesTheSameInstanceThenAnother() {
		hits.clear();
		RestClient rest = application.getBean(RestClient.Builder.class).build();
		try {
			rest.get().uri("http://blocking/").retrieve().body(String.class);
		}
		catch (RuntimeException expected) {
			// every instance answers 503
		}
		assertSameThenAnother();
	}

	private static void assertSameThenAnother() {
		assertThat(hits).hasSize(4);
		assertThat(hits.get(1)).isEqualTo(hits.get(0));
		assertThat(hits.get(2)).isNotEqualTo(hits.get(1));
		assertThat(hits.get(3)).isEqualTo(hits.get(2));
	}

	private static HttpServer unavailable(String id, int port) throws Exception {
		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 10);
		server.createContext("/", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			hits.add(id);
			exchange.sendResponseHeaders(503, 0);
			try (OutputStream out = exchange.getResponseBody()) {
				out.flush();
			}
		});
		server.start();
		return server;
	}

}
