package io.github.microspring.test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

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

	private static void killAll() {
		processes.forEach(Process::destroyForcibly);
	}

}
