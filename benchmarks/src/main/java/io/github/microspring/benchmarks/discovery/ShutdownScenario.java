package io.github.microspring.benchmarks.discovery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.github.microspring.test.ServerProcesses;
import io.github.microspring.test.etcd.EtcdServer;

/**
 * How long a registered application takes to shut down on SIGTERM (Boot's graceful shutdown, registry and
 * discovery on, every default kept) when etcd went away {@code down} seconds before (default 5): killed
 * (SIGKILL: connections refused) or frozen (SIGSTOP: nothing answers, the worse case). Anchor: the same
 * shutdown with etcd up. Each mode runs {@code runs} times (default 3) in a fresh JVM; prints each run and
 * the median. Arguments: {@code runs=3 down=5}.
 */
public final class ShutdownScenario {

	private ShutdownScenario() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, Integer> options = OutageScenario.options(args, Map.of("runs", 3, "down", 5));
		int runs = options.get("runs");
		int down = options.get("down");
		System.out.printf("machine: %d cores, %s, Java %s%n", Runtime.getRuntime().availableProcessors(),
				System.getProperty("os.name"), System.getProperty("java.version"));
		Map<String, List<Double>> results = new TreeMap<>();
		try (EtcdServer etcd = EtcdServer.start()) {
			for (int run = 0; run < runs; run++) {
				for (String mode : List.of("etcd up (anchor)", "etcd killed", "etcd frozen")) {
					results.computeIfAbsent(mode, (m) -> new ArrayList<>()).add(shutdownSeconds(etcd, mode, down));
				}
			}
		}
		System.out.println();
		System.out.printf("shutdown on SIGTERM of one registered application, etcd gone %d s before "
				+ "(defaults: call-timeout 3 s, graceful shutdown)%n", down);
		results.forEach((mode, seconds) -> System.out.printf("  %-18s median %5.2f s   runs %s%n", mode,
				median(seconds), seconds.stream().map((s) -> String.format("%.2f", s)).toList()));
		System.exit(0);
	}

	private static double shutdownSeconds(EtcdServer etcd, String mode, int down) throws Exception {
		Path log = Files.createTempFile("shutdown-app", ".log");
		Process app = OutageScenario.startApplication(etcd.endpoint(), log);
		try {
			if (!OutageScenario.awaitLine(log, 0, "Registered /micro/registry/outage/", Duration.ofSeconds(60))) {
				throw new IllegalStateException("not registered within 60 s; see " + log);
			}
			if (mode.contains("killed")) {
				etcd.kill();
			}
			else if (mode.contains("frozen")) {
				etcd.freeze();
			}
			TimeUnit.SECONDS.sleep(down);
			long start = System.nanoTime();
			app.destroy();
			if (!app.waitFor(60, TimeUnit.SECONDS)) {
				throw new IllegalStateException("still running 60 s after SIGTERM; see " + log);
			}
			return (System.nanoTime() - start) / 1e9;
		}
		finally {
			ServerProcesses.stop(app, 1000);
			if (mode.contains("frozen")) {
				etcd.thaw();
			}
			if (!etcd.isRunning()) {
				etcd.restart();
			}
			Files.deleteIfExists(log);
		}
	}

	private static double median(List<Double> values) {
		List<Double> sorted = values.stream().sorted().toList();
		return sorted.get(sorted.size() / 2);
	}

}
