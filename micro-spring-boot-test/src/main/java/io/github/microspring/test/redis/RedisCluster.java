package io.github.microspring.test.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import io.github.microspring.test.FreePorts;
import io.github.microspring.test.ServerBinaries;
import io.github.microspring.test.ServerProcesses;

/**
 * A Redis Cluster of real {@code redis-server} masters (no replicas) on free loopback ports, joined with
 * {@code redis-cli --cluster create}. Each node also needs its cluster bus port, port + 10000, free.
 */
public final class RedisCluster implements AutoCloseable {

	private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

	private final List<Integer> ports;

	private final Path home;

	private final List<Process> processes = new ArrayList<>();

	private RedisCluster(List<Integer> ports, Path home) {
		this.ports = ports;
		this.home = home;
	}

	/**
	 * Starts the masters, creates the cluster and waits until every node reports {@code cluster_state:ok}.
	 * @param masters how many masters (at least 3, as redis-cli requires)
	 * @return the running cluster
	 */
	public static RedisCluster start(int masters) {
		RedisCluster cluster;
		try {
			cluster = new RedisCluster(freePortsWithFreeBus(masters), Files.createTempDirectory("redis-cluster-"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		try {
			cluster.launch();
			return cluster;
		}
		catch (RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	/**
	 * @return {@code 127.0.0.1:port} of every node, as {@code spring.data.redis.cluster.nodes} takes them
	 */
	public List<String> nodes() {
		return this.ports.stream().map((port) -> "127.0.0.1:" + port).toList();
	}

	public List<Integer> ports() {
		return this.ports;
	}

	@Override
	public void close() {
		this.processes.forEach((process) -> ServerProcesses.stop(process, 5000));
		this.processes.clear();
		try (Stream<Path> files = Files.walk(this.home)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
		catch (IOException ex) {
			// a temp directory left behind is harmless
		}
	}

	private static List<Integer> freePortsWithFreeBus(int count) {
		for (int attempt = 0; attempt < 20; attempt++) {
			int[] candidates = FreePorts.take(count);
			List<Integer> ports = new ArrayList<>();
			for (int port : candidates) {
				if (port + 10000 <= 65535 && busPortFree(port + 10000)) {
					ports.add(port);
				}
			}
			if (ports.size() == count) {
				return ports;
			}
		}
		throw new IllegalStateException("No " + count + " free ports with free cluster bus ports (port + 10000)");
	}

	private static boolean busPortFree(int port) {
		try (java.net.ServerSocket socket = new java.net.ServerSocket(port, 1,
				java.net.InetAddress.getLoopbackAddress())) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private void launch() {
		String server = ServerBinaries.require("redis-server", "redis-server").toString();
		Path log = this.home.resolve("cluster.log");
		for (int port : this.ports) {
			List<String> command = List.of(server, "--port", String.valueOf(port), "--bind", "127.0.0.1",
					"--cluster-enabled", "yes", "--cluster-config-file",
					this.home.resolve("nodes-" + port + ".conf").toString(), "--dir", this.home.toString(), "--save",
					"", "--appendonly", "no", "--daemonize", "no");
			try {
				this.processes.add(ServerProcesses.track(new ProcessBuilder(command).redirectErrorStream(true)
					.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
					.start()));
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Cannot start redis-server", ex);
			}
		}
		for (int port : this.ports) {
			awaitAnswer(port, "PING", "PONG", log);
		}
		List<String> create = new ArrayList<>(List.of(ServerBinaries.require("redis-cli", "redis-tools").toString(),
				"--cluster", "create"));
		create.addAll(nodes());
		create.add("--cluster-yes");
		run(create, log);
		for (int port : this.ports) {
			awaitAnswer(port, "CLUSTER INFO", "cluster_state:ok", log);
		}
	}

	private void awaitAnswer(int port, String command, String expected, Path log) {
		try {
			Awaitility.await("redis " + port + " answers " + expected)
				.atMost(READY_TIMEOUT)
				.pollInterval(Duration.ofMillis(100))
				.until(() -> {
					for (Process process : this.processes) {
						if (!process.isAlive()) {
							throw new IllegalStateException("redis-server exited:\n" + ServerBinaries.tail(log));
						}
					}
					return cli(port, command).contains(expected);
				});
		}
		catch (ConditionTimeoutException ex) {
			throw new IllegalStateException("Redis Cluster node " + port + " not ready:\n" + ServerBinaries.tail(log),
					ex);
		}
	}

	/**
	 * Runs one redis-cli command against a node.
	 * @return what redis-cli printed, empty when it failed
	 */
	public String cli(int port, String command) {
		List<String> line = new ArrayList<>(List.of(ServerBinaries.require("redis-cli", "redis-tools").toString(),
				"-h", "127.0.0.1", "-p", String.valueOf(port)));
		line.addAll(List.of(command.split(" ")));
		try {
			Process process = ServerProcesses.track(new ProcessBuilder(line).redirectErrorStream(true).start());
			try {
				if (!process.waitFor(10, TimeUnit.SECONDS)) {
					ServerProcesses.kill(process);
					return "";
				}
				return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			}
			finally {
				ServerProcesses.stop(process, 1000);
			}
		}
		catch (IOException ex) {
			return "";
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "";
		}
	}

	private void run(List<String> command, Path log) {
		try {
			Process process = ServerProcesses.track(new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
				.start());
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				ServerProcesses.kill(process);
				throw new IllegalStateException("redis-cli --cluster create took over 60 s:\n" + ServerBinaries.tail(log));
			}
			ServerProcesses.stop(process, 1000);
			if (process.exitValue() != 0) {
				throw new IllegalStateException("redis-cli --cluster create failed:\n" + ServerBinaries.tail(log));
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot run redis-cli", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while creating the Redis Cluster", ex);
		}
	}

}
