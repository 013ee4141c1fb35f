package io.github.microspring.loadbalancer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

import static io.github.microspring.loadbalancer.LoadBalancedCaller.calls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A caller in zone a whose preferred group (its zone, a pinned version, a hint) holds one instance, which is
 * killed with SIGKILL while it stays in etcd, or frozen with SIGSTOP: the calls widen to the rest of the service
 * and none fails; a frozen instance costs one wait of the per-try timeout.
 * Real etcd, echo servers in separate JVMs, a client application as a user writes it.
 */
@ExtendWith(EtcdExtension.class)
class PreferredGroupFailoverIntegrationTests {

	private static final int CALLS = 200;

	private static final Duration PER_TRY_TIMEOUT = Duration.ofSeconds(1);

	private static ConfigurableApplicationContext application;

	private static WebClient web;

	private static RestClient rest;

	private static DiscoveryClient discovery;

	@BeforeAll
	static void startCallerInZoneA(EtcdServer server) {
		application = new SpringApplicationBuilder(LoadBalancedCaller.Application.class)
			.properties("spring.application.name=zone-a-client", "spring.main.web-application-type=none",
					"spring.main.banner-mode=off", "micro.etcd.endpoints=" + server.endpoint(),
					"micro.registry.enabled=false", "spring.cloud.loadbalancer.zone=a",
					"micro.deadline.per-try-timeout=" + PER_TRY_TIMEOUT.toMillis() + "ms")
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
	void killedOnlyInstanceOfTheOwnZoneCostsNoFailedGet(EtcdServer server) throws Exception {
		List<Process> processes = new ArrayList<>();
		try {
			launch(server, "zoned", processes, "1.0.0:zone=a", "1.0.0:zone=b", "1.0.0:zone=b");
			Supplier<String> call = () -> web.get().uri("http://zoned/").retrieve().bodyToMono(String.class)
				.block(Duration.ofSeconds(5));
			assertThat(calls(call, 20)).containsOnlyKeys("node-0");

			ServerProcesses.kill(processes.get(0));
			Map<String, Integer> answers = calls(call, CALLS);
			assertThat(answers).containsOnlyKeys("node-1", "node-2");
			assertThat(discovery.getInstances("zoned")).hasSize(3);
		}
		finally {
			processes.forEach(ServerProcesses::kill);
		}
	}

	@Test
	void killedOnlyInstanceOfAPinnedVersionCostsNoFailedGetFromABlockingClient(EtcdServer server)
			throws Exception {
		List<Process> processes = new ArrayList<>();
		try {
			launch(server, "pinned", processes, "1.1.0:", "1.0.0:", "1.0.0:");
			Supplier<String> call = () -> rest.get().uri("http://pinned/").header("X-Micro-Version", "1.1.0")
				.retrieve().body(String.class);
			assertThat(calls(call, 20)).containsOnlyKeys("node-0");

			ServerProcesses.kill(processes.get(0));
			Map<String, Integer> answers = calls(call, CALLS);
			assertThat(answers).containsOnlyKeys("node-1", "node-2");
			assertThat(discovery.getInstances("pinned")).hasSize(3);
		}
		finally {
			processes.forEach(ServerProcesses::kill);
		}
	}

	@Test
	void killedOnlyInstanceWithTheHintCostsNoFailedGet(EtcdServer server) throws Exception {
		List<Process> processes = new ArrayList<>();
		try {
			launch(server, "hinted", processes, "1.0.0:hint=blue", "1.0.0:", "1.0.0:");
			Supplier<String> reactive = () -> web.get().uri("http://hinted/").header("X-SC-LB-Hint", "blue")
				.retrieve().bodyToMono(String.class).block(Duration.ofSeconds(5));
			Supplier<String> blocking = () -> rest.get().uri("http://hinted/").header("X-SC-LB-Hint", "blue")
				.retrieve().body(String.class);
			assertThat(calls(reactive, 10)).containsOnlyKeys("node-0");
			assertThat(calls(blocking, 10)).containsOnlyKeys("node-0");

			ServerProcesses.kill(processes.get(0));
			Map<String, Integer> answers = calls(reactive, CALLS / 2);
			calls(blocking, CALLS / 2).forEach((answer, count) -> answers.merge(answer, count, Integer::sum));
			assertThat(answers).containsOnlyKeys("node-1", "node-2");
		}
		finally {
			processes.forEach(ServerProcesses::kill);
		}
	}

	@Test
	void frozenOnlyInstanceOfTheOwnZoneCostsNoFailedGetAndOneBoundedWait(EtcdServer server) throws Exception {
		Supplier<String> call = () -> web.get().uri("http://zoned-frozen/").retrieve().bodyToMono(String.class)
			.block(Duration.ofSeconds(30));
		freezeTheOnlyPreferredInstance(server, "zoned-frozen", call, "1.0.0:zone=a", "1.0.0:zone=b", "1.0.0:zone=b");
	}

	@Test
	void frozenOnlyInstanceOfAPinnedVersionCostsNoFailedGetAndOneBoundedWait(EtcdServer server) throws Exception {
		Supplier<String> call = () -> rest.get().uri("http://pinned-frozen/").header("X-Micro-Version", "1.1.0")
			.retrieve().body(String.class);
		freezeTheOnlyPreferredInstance(server, "pinned-frozen", call, "1.1.0:zone=a", "1.0.0:zone=a", "1.0.0:zone=b");
	}

	/**
	 * Node-0, the only instance the caller prefers, frozen under sixty GETs: each is answered by another node,
	 * none waiting much longer than one try cut at the per-try timeout and its retry (the rest is slack for a
	 * loaded machine).
	 */
	private static void freezeTheOnlyPreferredInstance(EtcdServer server, String service, Supplier<String> call,
			String... specs) throws Exception {
		List<Process> processes = new ArrayList<>();
		try {
			launch(server, service, processes, specs);
			assertThat(calls(call, 20)).containsOnlyKeys("node-0");

			ServerProcesses.freeze(processes.get(0).pid());
			LoadBalancedCaller.Calls calls;
			try {
				calls = LoadBalancedCaller.timedCalls(call, 60);
			}
			finally {
				ServerProcesses.thaw(processes.get(0).pid());
			}
			assertThat(calls.answers().keySet()).isSubsetOf("node-1", "node-2");
			assertThat(calls.longest()).isLessThan(PER_TRY_TIMEOUT.plusSeconds(3));
		}
		finally {
			processes.forEach(ServerProcesses::kill);
		}
	}

	/**
	 * Starts one echo process per "version:metadata" spec, named node-0, node-1, …, and waits until the
	 * caller's catalog holds them all.
	 */
	private static void launch(EtcdServer server, String service, List<Process> processes, String... specs)
			throws Exception {
		int[] ports = FreePorts.take(specs.length);
		Path logs = Files.createTempDirectory("echo-" + service);
		for (int i = 0; i < specs.length; i++) {
			String[] spec = specs[i].split(":", 2);
			processes.add(EchoServer.launch(server.endpoint(), service, "node-" + i, ports[i], logs, spec[0], spec[1]));
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> discovery.getInstances(service).size() == specs.length);
	}

}
