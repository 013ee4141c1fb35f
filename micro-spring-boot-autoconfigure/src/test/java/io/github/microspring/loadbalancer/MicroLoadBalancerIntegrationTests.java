package io.github.microspring.loadbalancer;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.test.FreePorts;
import io.github.microspring.test.ServerProcesses;
import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client application calling services by name through a {@code @LoadBalanced WebClient.Builder}, with
 * real etcd and real HTTP servers, some of them separate processes.
 */
@ExtendWith(EtcdExtension.class)
class MicroLoadBalancerIntegrationTests {

	private static ConfigurableApplicationContext application;

	private static Client etcd;

	private static WebClient web;

	private static DiscoveryClient discovery;

	private static RestClient rest;

	@BeforeAll
	static void startClientApplication(EtcdServer server) {
		etcd = Client.builder().endpoints(server.endpoint()).build();
		application = new SpringApplicationBuilder(LoadBalancedCaller.Application.class)
			.properties("spring.application.name=lb-client", "spring.main.web-application-type=none",
					"spring.main.banner-mode=off", "micro.etcd.endpoints=" + server.endpoint(),
					"micro.registry.enabled=false")
			.run();
		web = application.getBean(WebClient.Builder.class).build();
		rest = application.getBean(RestClient.Builder.class).build();
		discovery = application.getBean(DiscoveryClient.class);
	}

	@AfterAll
	static void stopClientApplication() {
		if (application != null) {
			application.close();
		}
		if (etcd != null) {
			etcd.close();
		}
	}

	@Test
	void newInstanceIsChosenByTheNextRequestsAndADeregisteredOneNeverAgain() throws Exception {
		int[] ports = FreePorts.take(2);
		HttpServer first = EchoServer.start("first", ports[0]);
		HttpServer second = EchoServer.start("second", ports[1]);
		try {
			long firstLease = etcd.getLeaseClient().grant(30).get(5, TimeUnit.SECONDS).getID();
			EchoServer.register(etcd, "fresh", "first", ports[0], firstLease);
			await().atMost(Duration.ofSeconds(5)).until(() -> discovery.getInstances("fresh").size() == 1);
			assertThat(get("fresh")).isEqualTo("first");

			long secondLease = etcd.getLeaseClient().grant(30).get(5, TimeUnit.SECONDS).getID();
			EchoServer.register(etcd, "fresh", "second", ports[1], secondLease);
			await().atMost(Duration.ofSeconds(5)).until(() -> discovery.getInstances("fresh").size() == 2);
			// round robin over two: the next two requests reach both
			assertThat(List.of(get("fresh"), get("fresh"))).containsExactlyInAnyOrder("first", "second");

			etcd.getLeaseClient().revoke(secondLease).get(5, TimeUnit.SECONDS);
			await().atMost(Duration.ofSeconds(5)).until(() -> discovery.getInstances("fresh").size() == 1);
			for (int i = 0; i < 50; i++) {
				assertThat(get("fresh")).isEqualTo("first");
			}
			etcd.getLeaseClient().revoke(firstLease).get(5, TimeUnit.SECONDS);
		}
		finally {
			first.stop(0);
			second.stop(0);
		}
	}

	@Test
	void killedInstanceCostsNoFailedGetWithRetries(EtcdServer server) throws Exception {
		int[] ports = FreePorts.take(3);
		List<Process> processes = new ArrayList<>();
		try {
			launchThree(server, "crash", ports, processes);
			Map<String, Integer> before = traffic(web, "crash", Duration.ZERO, 30);
			assertThat(before).containsOnlyKeys("node-0", "node-1", "node-2");

			kill(processes.get(1));
			// the lease outlives the process for a while: retries and ejection carry the traffic meanwhile
			Map<String, Integer> after = traffic(web, "crash", Duration.ofSeconds(3), 0);
			assertThat(discovery.getInstances("crash")).hasSize(3);
			assertThat(after).doesNotContainKey("failed").containsOnlyKeys("node-0", "node-2");
			assertThat(application.getBean(Ejections.class).anyEjected("crash")).isTrue();
		}
		finally {
			processes.forEach(ServerProcesses::kill);
		}
	}

	@Test
	void postIsRetriedWhenTheConnectionIsRefusedButNotAfterItWasSent() throws Exception {
		int[] ports = FreePorts.take(3);
		HttpServer good = EchoServer.start("good", ports[0]);
		AtomicInteger breakerPosts = new AtomicInteger();
		HttpServer breaker = HttpServer.create(new InetSocketAddress("127.0.0.1", ports[1]), 10);
		breaker.createContext("/", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			breakerPosts.incrementAndGet();
			// the request arrived; the connection breaks before any answer
			exchange.close();
		});
		breaker.start();
		long lease = etcd.getLeaseClient().grant(30).get(5, TimeUnit.SECONDS).getID();
		try {
			EchoServer.register(etcd, "writes", "good", ports[0], lease);
			EchoServer.register(etcd, "writes", "breaker", ports[1], lease);
			EchoServer.register(etcd, "writes", "refused", ports[2], lease);
			await().atMost(Duration.ofSeconds(5)).until(() -> discovery.getInstances("writes").size() == 3);
			int failures = 0;
			int answers = 0;
			for (int i = 0; i < 6; i++) {
				try {
					web.post().uri("http://writes/").bodyValue("x").retrieve().bodyToMono(String.class)
						.block(Duration.ofSeconds(5));
					answers++;
				}
				catch (RuntimeException ex) {
					failures++;
				}
			}
			// the refused instance never costs a POST; the breaking one is not asked twice for the same POST
			assertThat(failures).isEqualTo(breakerPosts.get()).isPositive();
			assertThat(answers).isEqualTo(6 - failures);
		}
		finally {
			etcd.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
			good.stop(0);
			breaker.stop(0);
		}
	}

	@Test
	void killedInstanceCostsNoFailedGetFromABlockingClientWithSpringRetry(EtcdServer server) throws Exception {
		int[] ports = FreePorts.take(3);
		List<Process> processes = new ArrayList<>();
		try {
			launchThree(server, "crash-blocking", ports, processes);
			kill(processes.get(2));
			Map<String, Integer> answers = new HashMap<>();
			for (int i = 0; i < 60; i++) {
				String answer;
				try {
					answer = rest.get().uri("http://crash-blocking/").retrieve().body(String.class);
				}
				catch (RuntimeException ex) {
					answer = "failed";
				}
				answers.merge(answer, 1, Integer::sum);
			}
			assertThat(answers).containsOnlyKeys("node-0", "node-1");
		}
		finally {
			processes.forEach(ServerProcesses::kill);
		}
	}

	@Test
	void withoutRetriesAKilledInstanceFailsAtMostConsecutiveFailuresCallsAndReturnsWhenBack(EtcdServer server)
			throws Exception {
		int[] ports = FreePorts.take(3);
		List<Process> processes = new ArrayList<>();
		try (ConfigurableApplicationContext noRetries = new SpringApplicationBuilder(LoadBalancedCaller.Application.class)
			.properties("spring.application.name=lb-client-no-retries", "spring.main.web-application-type=none",
					"spring.main.banner-mode=off", "micro.etcd.endpoints=" + server.endpoint(),
					"micro.registry.enabled=false", "spring.cloud.loadbalancer.retry.enabled=false",
					"micro.loadbalancer.base-ejection-time=3s")
			.run()) {
			WebClient client = noRetries.getBean(WebClient.Builder.class).build();
			DiscoveryClient catalog = noRetries.getBean(DiscoveryClient.class);
			launchThree(server, "crash-no-retry", ports, processes);
			await().atMost(Duration.ofSeconds(5)).until(() -> catalog.getInstances("crash-no-retry").size() == 3);

			kill(processes.get(1));
			Ejections ejections = noRetries.getBean(Ejections.class);
			int failures = 0;
			for (int i = 0; i < 100 && !ejections.anyEjected("crash-no-retry"); i++) {
				failures += "failed".equals(getQuietly(client, "crash-no-retry")) ? 1 : 0;
			}
			assertThat(ejections.anyEjected("crash-no-retry")).isTrue();
			Map<String, Integer> whileEjected = traffic(client, "crash-no-retry", Duration.ZERO, 20);
			assertThat(failures).isBetween(1, 3);
			assertThat(whileEjected).containsOnlyKeys("node-0", "node-2");

			processes.set(1, launch(server.endpoint(), "crash-no-retry", "node-1", ports[1],
					Files.createTempDirectory("echo-again")));
			await().atMost(Duration.ofSeconds(15))
				.until(() -> "node-1".equals(getQuietly(client, "crash-no-retry")));
		}
		finally {
			processes.forEach(ServerProcesses::kill);
		}
	}

	private static void launchThree(EtcdServer server, String service, int[] ports, List<Process> processes)
			throws Exception {
		Path logs = Files.createTempDirectory("echo-servers");
		for (int i = 0; i < 3; i++) {
			processes.add(launch(server.endpoint(), service, "node-" + i, ports[i], logs));
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> discovery.getInstances(service).size() == 3);
	}

	private static void kill(Process victim) throws InterruptedException {
		victim.destroyForcibly();
		assertThat(victim.waitFor(10, TimeUnit.SECONDS)).isTrue();
	}

	/**
	 * Sequential GETs for the given time or count; answers counted by node, failures under "failed".
	 */
	private static Map<String, Integer> traffic(WebClient client, String service, Duration duration, int count) {
		Map<String, Integer> answers = new HashMap<>();
		long end = System.nanoTime() + duration.toNanos();
		for (int i = 0; (count > 0) ? i < count : System.nanoTime() < end; i++) {
			answers.merge(getQuietly(client, service), 1, Integer::sum);
		}
		return answers;
	}

	private static String getQuietly(WebClient client, String service) {
		try {
			return client.get().uri("http://" + service + "/").retrieve().bodyToMono(String.class)
				.block(Duration.ofSeconds(5));
		}
		catch (RuntimeException ex) {
			return "failed";
		}
	}

	private static Process launch(String endpoint, String service, String id, int port, Path logs) throws Exception {
		return EchoServer.launch(endpoint, service, id, port, logs, "1.0.0", "");
	}

	private static String get(String service) {
		return web.get().uri("http://" + service + "/").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(5));
	}

}
