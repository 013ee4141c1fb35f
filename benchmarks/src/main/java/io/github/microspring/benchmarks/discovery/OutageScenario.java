package io.github.microspring.benchmarks.discovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.microspring.test.ServerProcesses;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * What an application writes to its log while etcd is down: one Boot application (registry and discovery
 * on, every default kept) runs in its own JVM against a real etcd; etcd is stopped for {@code outage}
 * seconds (default 120), then started again. Prints the WARN and ERROR lines per logger during the
 * outage and from the restart until {@code recovery} seconds (default 10) after the instance is registered
 * again, the WARN/ERROR lines per minute, and how long after the restart the instance was registered again;
 * anchor: the same count over the same length of time before the outage, with etcd up.
 * Arguments: {@code outage=120 recovery=10}.
 */
public final class OutageScenario {

	private static final Pattern LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (WARN|ERROR)\\s+\\[[^\\]]*] (\\S+) - ");

	private OutageScenario() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, Integer> options = options(args, Map.of("outage", 120, "recovery", 10));
		int outage = options.get("outage");
		int recovery = options.get("recovery");
		System.out.printf("machine: %d cores, %s, Java %s%n", Runtime.getRuntime().availableProcessors(),
				System.getProperty("os.name"), System.getProperty("java.version"));
		Path log = Files.createTempFile("outage-app", ".log");
		try (EtcdServer etcd = EtcdServer.start()) {
			Process app = startApplication(etcd.endpoint(), log);
			try {
				if (!awaitLine(log, 0, "Registered /micro/registry/outage/", Duration.ofSeconds(60))) {
					throw new IllegalStateException("not registered within 60 s; see " + log);
				}
				int anchorFrom = lines(log).size();
				TimeUnit.SECONDS.sleep(outage);
				int outageFrom = lines(log).size();
				etcd.stop();
				TimeUnit.SECONDS.sleep(outage);
				int recoveryFrom = lines(log).size();
				etcd.restart();
				long restarted = System.nanoTime();
				boolean back = awaitLine(log, recoveryFrom, "Registered /micro/registry/outage/", Duration.ofSeconds(300));
				double backAfter = (System.nanoTime() - restarted) / 1e9;
				TimeUnit.SECONDS.sleep(recovery);
				List<String> all = lines(log);

				Map<String, Integer> before = count(all.subList(anchorFrom, outageFrom));
				Map<String, Integer> down = count(all.subList(outageFrom, recoveryFrom));
				Map<String, Integer> after = count(all.subList(recoveryFrom, all.size()));
				System.out.println();
				System.out.printf("outage: etcd stopped for %d s under one application (defaults: lease-ttl 10 s, "
						+ "register-interval 5 s, call-timeout 3 s)%n", outage);
				System.out.printf("  %-55s %8s %8s%n", "WARN/ERROR lines per logger", "outage", "recovery");
				Map<String, Integer> loggers = new TreeMap<>(down);
				after.forEach((logger, n) -> loggers.putIfAbsent(logger, 0));
				loggers.forEach((logger, n) -> System.out.printf("  %-55s %8d %8d%n", logger, down.getOrDefault(logger, 0),
						after.getOrDefault(logger, 0)));
				double minutes = outage / 60.0;
				System.out.printf("  during the outage: %.1f WARN/ERROR lines per minute per instance (%d in %d s)%n",
						total(down) / minutes, total(down), outage);
				System.out.println(back ? String.format("  registered again %.1f s after etcd restarted", backAfter)
						: "  NOT registered again within 300 s after etcd restarted");
				System.out.printf("  from the restart until %d s after that: %d WARN/ERROR lines%n", recovery, total(after));
				System.out.printf("  anchor, etcd up for the same %d s before: %d WARN/ERROR lines%n", outage, total(before));
				System.out.println("  application log: " + log);
			}
			finally {
				ServerProcesses.stop(app, 10_000);
			}
		}
		System.exit(0);
	}

	/**
	 * The scenario's options: {@code name=number} pairs over the defaults; exec:exec may hand them all over as
	 * one argument.
	 */
	static Map<String, Integer> options(String[] args, Map<String, Integer> defaults) {
		Map<String, Integer> options = new TreeMap<>(defaults);
		for (String option : String.join(" ", args).trim().split("\\s+")) {
			String[] kv = option.split("=");
			if (kv.length == 2) {
				options.put(kv[0], Integer.parseInt(kv[1]));
			}
			else if (!option.isEmpty()) {
				throw new IllegalArgumentException("expected name=number, such as " + defaults.keySet().iterator().next()
						+ "=" + defaults.values().iterator().next() + ", not '" + option + "'");
			}
		}
		return options;
	}

	/**
	 * Starts {@link Application} in its own JVM against the given etcd, its output going to the given file.
	 */
	static Process startApplication(String etcdEndpoint, Path log) throws IOException {
		return ServerProcesses.track(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
			.toString(), "-Xmx256m", "-Dlogging.config=classpath:outage-logback.xml", "-cp",
				System.getProperty("java.class.path"), Application.class.getName(), etcdEndpoint)
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start());
	}

	private static Map<String, Integer> count(List<String> lines) {
		Map<String, Integer> counts = new TreeMap<>();
		for (String line : lines) {
			Matcher matcher = LINE.matcher(line);
			if (matcher.find()) {
				counts.merge(matcher.group(1) + " " + matcher.group(2), 1, Integer::sum);
			}
		}
		return counts;
	}

	private static int total(Map<String, Integer> counts) {
		return counts.values().stream().mapToInt(Integer::intValue).sum();
	}

	private static List<String> lines(Path log) throws IOException {
		return new ArrayList<>(Files.readAllLines(log));
	}

	static boolean awaitLine(Path log, int from, String text, Duration timeout) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (lines(log).stream().skip(from).noneMatch((line) -> line.contains(text))) {
			if (System.nanoTime() > deadline) {
				return false;
			}
			TimeUnit.MILLISECONDS.sleep(100);
		}
		return true;
	}

	/**
	 * The application under test: whatever auto-configuration the classpath brings, registry and discovery
	 * on. Argument: the etcd endpoint.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	public static class Application {

		public static void main(String[] args) {
			new SpringApplicationBuilder(Application.class)
				.properties("spring.application.name=outage", "server.port=0", "server.address=127.0.0.1",
						"spring.main.banner-mode=off", "micro.etcd.endpoints=" + args[0])
				.run();
		}

	}

}
