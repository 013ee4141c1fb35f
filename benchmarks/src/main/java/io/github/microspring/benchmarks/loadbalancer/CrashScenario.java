package io.github.microspring.benchmarks.loadbalancer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.github.microspring.test.FreePorts;
import io.github.microspring.test.ServerProcesses;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * SIGKILL of one of three instances under steady sequential GET traffic through a {@code @LoadBalanced
 * WebClient}: failed requests and latency in the 5 s after the kill, with retries and ejection on and off.
 * The instance stays in etcd until its 10 s lease expires, so for those 5 s only retries and ejection
 * protect the callers. Anchor: the same traffic in the 5 s before the kill.
 * <p>
 * With the argument {@code zone} (options {@code runs=3 calls=200}): a caller in zone a, one zone-a and two
 * zone-b instances; the zone-a one is SIGKILLed and the failed calls out of {@code calls} sequential GETs
 * are counted, once per run. Anchor: the same GETs before the kill.
 */
public final class CrashScenario {

	private static final Duration WINDOW = Duration.ofSeconds(5);

	private CrashScenario() {
	}

	public static void main(String[] args) throws Exception {
		List<String> words = Arrays.stream(String.join(" ", args).trim().split("\\s+"))
			.filter((word) -> !word.isEmpty())
			.toList();
		if (words.contains("zone")) {
			Map<String, Integer> options = new HashMap<>(Map.of("runs", 3, "calls", 200));
			words.stream().filter((word) -> word.contains("=")).map((word) -> word.split("=", 2))
				.forEach((option) -> options.put(option[0], Integer.parseInt(option[1])));
			zone(options.get("runs"), options.get("calls"));
			return;
		}
		try (EtcdServer etcd = EtcdServer.start()) {
			System.out.printf("%-26s %8s %8s %8s %8s %8s%n", "mode", "requests", "failed", "p50 ms", "p99 ms",
					"max ms");
			int round = 0;
			for (boolean retries : new boolean[] { true, false }) {
				for (boolean ejection : new boolean[] { true, false }) {
					run(etcd, "crash-" + (round++), retries, ejection);
				}
			}
		}
	}

	private static void run(EtcdServer etcd, String service, boolean retries, boolean ejection) throws Exception {
		int[] ports = FreePorts.take(3);
		List<Process> processes = new ArrayList<>();
		try (ConfigurableApplicationContext client = new SpringApplicationBuilder(ClientApplication.class)
			.properties("spring.main.web-application-type=none", "spring.main.banner-mode=off",
					"spring.application.name=crash-client", "logging.level.root=warn",
					"micro.etcd.endpoints=" + etcd.endpoint(), "micro.registry.enabled=false",
					"spring.cloud.loadbalancer.retry.enabled=" + retries,
					"micro.loadbalancer.consecutive-failures=" + (ejection ? 3 : Integer.MAX_VALUE))
			.run()) {
			for (int i = 0; i < 3; i++) {
				processes.add(launch(etcd.endpoint(), service, "node-" + i, ports[i]));
			}
			awaitInstances(client.getBean(DiscoveryClient.class), service, 3);
			WebClient web = client.getBean(WebClient.Builder.class).build();
			String mode = "retries " + (retries ? "on" : "off") + ", ejection " + (ejection ? "on" : "off");
			print(mode + " (before)", traffic(web, service));
			processes.get(1).destroyForcibly();
			processes.get(1).waitFor(10, TimeUnit.SECONDS);
			print(mode, traffic(web, service));
		}
		finally {
			processes.forEach(ServerProcesses::kill);
		}
	}

	private static void zone(int runs, int calls) throws Exception {
		try (EtcdServer etcd = EtcdServer.start()) {
			System.out.printf("%-4s %14s %14s%n", "run", "failed before", "failed after");
			for (int run = 1; run <= runs; run++) {
				int[] ports = FreePorts.take(3);
				String service = "zone-" + run;
				List<Process> processes = new ArrayList<>();
				try (ConfigurableApplicationContext client = new SpringApplicationBuilder(ClientApplication.class)
					.properties("spring.main.web-application-type=none", "spring.main.banner-mode=off",
							"spring.application.name=zone-client", "logging.level.root=warn",
							"micro.etcd.endpoints=" + etcd.endpoint(), "micro.registry.enabled=false",
							"spring.cloud.loadbalancer.zone=a")
					.run()) {
					processes.add(launch(etcd.endpoint(), service, "node-a", ports[0], "zone=a"));
					processes.add(launch(etcd.endpoint(), service, "node-b1", ports[1], "zone=b"));
					processes.add(launch(etcd.endpoint(), service, "node-b2", ports[2], "zone=b"));
					awaitInstances(client.getBean(DiscoveryClient.class), service, 3);
					WebClient web = client.getBean(WebClient.Builder.class).build();
					int before = failed(web, service, calls);
					processes.get(0).destroyForcibly();
					processes.get(0).waitFor(10, TimeUnit.SECONDS);
					System.out.printf("%-4d %14s %14s%n", run, before + "/" + calls, failed(web, service, calls) + "/" + calls);
				}
				finally {
					processes.forEach(ServerProcesses::kill);
				}
			}
		}
	}

	private static int failed(WebClient web, String service, int calls) {
		int failed = 0;
		for (int i = 0; i < calls; i++) {
			try {
				web.get().uri("http://" + service + "/").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(5));
			}
			catch (RuntimeException ex) {
				failed++;
			}
		}
		return failed;
	}

	private static void awaitInstances(DiscoveryClient discovery, String service, int count) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (discovery.getInstances(service).size() < count && System.nanoTime() < deadline) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
		}
	}

	/**
	 * @return latencies in microseconds, negative for a failed request
	 */
	private static long[] traffic(WebClient web, String service) {
		List<Long> latencies = new ArrayList<>();
		long end = System.nanoTime() + WINDOW.toNanos();
		while (System.nanoTime() < end) {
			long start = System.nanoTime();
			boolean ok;
			try {
				web.get().uri("http://" + service + "/").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(5));
				ok = true;
			}
			catch (RuntimeException ex) {
				ok = false;
			}
			long micros = (System.nanoTime() - start) / 1000;
			latencies.add(ok ? micros : -micros);
		}
		return latencies.stream().mapToLong(Long::longValue).toArray();
	}

	private static void print(String mode, long[] latencies) {
		long failed = Arrays.stream(latencies).filter((l) -> l < 0).count();
		long[] sorted = Arrays.stream(latencies).map(Math::abs).sorted().toArray();
		System.out.printf("%-26s %8d %8d %8.2f %8.2f %8.2f%n", mode, sorted.length, failed,
				percentile(sorted, 0.50), percentile(sorted, 0.99), sorted[sorted.length - 1] / 1000.0);
	}

	private static double percentile(long[] sorted, double p) {
		return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1000.0;
	}

	private static Process launch(String endpoint, String service, String id, int port) throws Exception {
		return launch(endpoint, service, id, port, "");
	}

	/**
	 * @param metadata node metadata as {@code key=value} pairs separated by commas, or empty
	 */
	private static Process launch(String endpoint, String service, String id, int port, String metadata)
			throws Exception {
		Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				// without it the JDK server's separate header and body writes meet delayed ACKs: 40 ms answers
				"-Xmx64m", "-Dsun.net.httpserver.nodelay=true", "-cp", System.getProperty("java.class.path"),
				EchoProcess.class.getName(), endpoint,
				service, id, String.valueOf(port), "10", metadata)
			.redirectErrorStream(true)
			.start();
		ServerProcesses.track(process);
		BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()));
		String line;
		while ((line = out.readLine()) != null && !line.equals("READY")) {
			// the child's own output before it is ready
		}
		if (line == null) {
			throw new IllegalStateException("echo process " + id + " exited before it was ready");
		}
		return process;
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class ClientApplication {

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder();
		}

	}

}
