package io.github.microspring.loadbalancer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

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
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One of three instances frozen with SIGSTOP (a long GC pause, a hung host) under steady GETs and no deadline:
 * each try waits at most the per-try timeout, the GET goes on to the next instance and the frozen one is
 * ejected. Without the per-try timeout such a call waits forever. Echo servers in separate JVMs, real etcd.
 */
@ExtendWith(EtcdExtension.class)
class FrozenInstanceIntegrationTests {

	private static final Duration PER_TRY_TIMEOUT = Duration.ofSeconds(1);

	private static final int CALLS = 60;

	private static ConfigurableApplicationContext application;

	private static WebClient web;

	private static RestClient rest;

	private static DiscoveryClient discovery;

	@BeforeAll
	static void startCaller(EtcdServer server) {
		application = new SpringApplicationBuilder(LoadBalancedCaller.Application.class)
			.properties("spring.application.name=freeze-client", "spring.main.web-application-type=none",
					"spring.main.banner-mode=off", "micro.etcd.endpoints=" + server.endpoint(),
					"micro.registry.enabled=false", "micro.deadline.per-try-timeout=" + PER_TRY_TIMEOUT.toMillis() + "ms")
			.run();
		web = application.getBean(WebClient.Builder.class).build();
		rest = application.getBean(RestClient.Builder.class).build();
		discovery = application.getBean(DiscoveryClient.class);
	}

	@AfterAll
	static void stopCaller() {
		if (application != null) {
			application.close();
		}
	}

	@Test
	void frozenInstanceCostsWebClientNoFailedGetAndOneBoundedWait(EtcdServer server) throws Exception {
		Supplier<String> call = () -> web.get().uri("http://frozen-web/").retrieve().bodyToMono(String.class)
			.block(Duration.ofSeconds(30));
		freezeOneOfThreeUnderSteadyGets(server, "frozen-web", call);
	}

	@Test
	void frozenInstanceCostsRestClientNoFailedGetAndOneBoundedWait(EtcdServer server) throws Exception {
		Supplier<String> call = () -> rest.get().uri("http://frozen-rest/").retrieve().body(String.class);
		freezeOneOfThreeUnderSteadyGets(server, "frozen-rest", call);
	}

	private void freezeOneOfThreeUnderSteadyGets(EtcdServer server, String service, Supplier<String> call)
			throws Exception {
		List<Process> processes = new ArrayList<>();
		Process frozen = null;
		try {
			int[] ports = FreePorts.take(3);
			Path logs = Files.createTempDirectory("echo-" + service);
			for (int i = 0; i < 3; i++) {
				processes.add(EchoServer.launch(server.endpoint(), service, "node-" + i, ports[i], logs, "1.0.0", ""));
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> discovery.getInstances(service).size() == 3);
			assertThat(LoadBalancedCaller.calls(call, 9)).containsOnlyKeys("node-0", "node-1", "node-2");

			frozen = processes.get(0);
			ServerProcesses.freeze(frozen.pid());
			LoadBalancedCaller.Calls calls = LoadBalancedCaller.timedCalls(call, CALLS);

			assertThat(calls.answers()).containsOnlyKeys("node-1", "node-2");
			// one try cut at the per-try timeout, then the retry on a live instance; the rest is slack for a
			// loaded machine
			assertThat(calls.longest()).isLessThan(PER_TRY_TIMEOUT.plusSeconds(3));
		}
		finally {
			if (frozen != null) {
				ServerProcesses.thaw(frozen.pid());
			}
			processes.forEach(ServerProcesses::kill);
		}
	}

}
