package io.github.microspring.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.awaitility.Awaitility;

/**
 * Every process the test support starts, so that each is stopped by its PID when the JVM exits, also
 * after a failed test.
 */
public final class ServerProcesses {

	private static final Set<Process> processes = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(ServerProcesses::killAll, "server-processes-reaper"));
	}

	private ServerProcesses() {
	}

	public static Process track(Process process) {
		processes.add(process);
		return process;
	}

	/**
	 * Stops a process: SIGTERM, then SIGKILL if it has not exited within the grace period.
	 * @param process the process
	 * @param graceMillis how long to wait after SIGTERM
	 */
	public static void stop(Process process, long graceMillis) {
		if (process == null) {
			return;
		}
		process.destroy();
		try {
			if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
				kill(process);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			kill(process);
		}
		processes.remove(process);
	}

	/**
	 * SIGKILL, and waits until the process is gone.
	 * @param process the process
	 */
	public static void kill(Process process) {
		if (process == null) {
			return;
		}
		process.destroyForcibly();
		try {
			process.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		processes.remove(process);
	}

	/**
	 * SIGSTOP, as a long GC pause or a hung host: the process keeps its ports and connections but answers
	 * nothing. Returns once every thread of the process is stopped; the kernel delivers a group stop
	 * asynchronously, and a thread still running could otherwise answer one more request.
	 * @param pid the process id
	 */
	public static void freeze(long pid) {
		signal(pid, "-STOP");
		Awaitility.await("every thread of " + pid + " stopped")
			.atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(5))
			.until(() -> allThreadsStopped(pid));
	}

	/**
	 * SIGCONT after {@link #freeze(long)}.
	 * @param pid the process id
	 */
	public static void thaw(long pid) {
		signal(pid, "-CONT");
	}

	private static boolean allThreadsStopped(long pid) throws IOException {
		Path tasks = Path.of("/proc", Long.toString(pid), "task");
		try (Stream<Path> threads = Files.list(tasks)) {
			return threads.allMatch(ServerProcesses::stopped);
		}
	}

	private static boolean stopped(Path thread) {
		try {
			String stat = Files.readString(thread.resolve("stat"));
			// pid (comm) state ...: comm may hold spaces and parentheses, so the state follows the last ')'
			char state = stat.charAt(stat.lastIndexOf(')') + 2);
			return state == 'T' || state == 't';
		}
		catch (NoSuchFileException ex) {
			return true; // the thread has exited
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void signal(long pid, String signal) {
		try {
			Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start();
			if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
				throw new IllegalStateException("kill " + signal + " " + pid + " failed");
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while sending " + signal + " to " + pid, ex);
		}
	}

	private static void killAll() {
		processes.forEach(Process::destroyForcibly);
	}

}
