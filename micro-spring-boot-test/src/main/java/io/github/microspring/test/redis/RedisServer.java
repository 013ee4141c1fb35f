package io.github.microspring.test.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import io.github.microspring.test.FreePorts;
import io.github.microspring.test.ServerBinaries;
import io.github.microspring.test.ServerProcesses;

/**
 * One real Redis server on a free loopback port, without persistence.
 */
public final class RedisServer implements AutoCloseable {

	private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);

	private final int port;

	private final Path log;

	private Process process;

	private RedisServer(int port, Path log) {
		this.port = port;
		this.log = log;
	}

	public static RedisServer start() {
		try {
			RedisServer server = new RedisServer(FreePorts.take(), Files.createTempFile("redis-", ".log"));
			server.launch();
			return server;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public String host() {
		return "127.0.0.1";
	}

	public int port() {
		return this.port;
	}

	public long pid() {
		return this.process.pid();
	}

	public boolean isRunning() {
		return this.process != null && this.process.isAlive();
	}

	public synchronized void stop() {
		if (isRunning()) {
			// a frozen server ignores SIGTERM until it runs again
			signal("-CONT");
		}
		ServerProcesses.stop(this.process, 5000);
	}

	public synchronized void kill() {
		ServerProcesses.kill(this.process);
	}

	/**
	 * SIGSTOP: the process keeps its port and connections but answers nothing, as in a long pause.
	 */
	public synchronized void freeze() {
		signal("-STOP");
	}

	/**
	 * SIGCONT after {@link #freeze()}.
	 */
	public synchronized void thaw() {
		signal("-CONT");
	}

	private void signal(String signal) {
		try {
			Process kill = new ProcessBuilder("kill", signal, String.valueOf(pid())).redirectErrorStream(true).start();
			if (!kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
				throw new IllegalStateException("kill " + signal + " " + pid() + " failed");
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while signalling redis-server", ex);
		}
	}

	public synchronized void restart() {
		if (isRunning()) {
			stop();
		}
		launch();
	}

	@Override
	public synchronized void close() {
		stop();
		try {
			Files.deleteIfExists(this.log);
		}
		catch (IOException ex) {
			// harmless
		}
	}

	private void launch() {
		List<String> command = List.of(ServerBinaries.require("redis-server", "redis-server").toString(), "--port",
				String.valueOf(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize",
				"no");
		try {
			this.process = ServerProcesses.track(new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.log.toFile()))
				.start());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start redis-server", ex);
		}
		try {
			Awaitility.await("redis-server ready")
				.atMost(READY_TIMEOUT)
				.pollInterval(Duration.ofMillis(20))
				.until(() -> {
					if (!this.process.isAlive()) {
						throw new IllegalStateException("redis-server exited:\n" + ServerBinaries.tail(this.log));
					}
					return ping();
				});
		}
		catch (ConditionTimeoutException ex) {
			throw new IllegalStateException("redis-server not ready:\n" + ServerBinaries.tail(this.log), ex);
		}
	}

	/**
	 * @return whether the server answers PING with PONG now
	 */
	public boolean ping() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host(), this.port), 500);
			socket.setSoTimeout(1000);
			socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			InputStream in = socket.getInputStream();
			byte[] buffer = new byte[7];
			int read = in.read(buffer);
			return read > 0 && new String(buffer, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
		}
		catch (IOException ex) {
			return false;
		}
	}

}
