package io.github.microspring.test;

import java.time.Duration;

/**
 * A real server that a test runs in a process of its own, tracked by {@link ServerProcesses} and stopped by its
 * PID: what etcd, Redis, Kafka and Zipkin servers of this module have in common. Each subclass says how its
 * process starts and when it serves.
 */
public abstract class ServerProcess implements AutoCloseable {

	private final String name;

	private final long stopGraceMillis;

	private volatile Process process;

	protected ServerProcess(String name, Duration stopGrace) {
		this.name = name;
		this.stopGraceMillis = stopGrace.toMillis();
	}

	/**
	 * Starts the server's process again, on the same ports, and waits until it serves.
	 */
	protected abstract void startProcess();

	/**
	 * Keeps {@code process} as this server's, tracked so that it is stopped with the JVM.
	 */
	protected final void track(Process process) {
		this.process = ServerProcesses.track(process);
	}

	protected final Process process() {
		return this.process;
	}

	public long pid() {
		return this.process.pid();
	}

	public boolean isRunning() {
		Process current = this.process;
		return current != null && current.isAlive();
	}

	/**
	 * SIGTERM, then SIGKILL if it does not exit in time; a frozen process is woken first, as it would ignore
	 * SIGTERM until it runs again.
	 */
	public synchronized void stop() {
		if (isRunning()) {
			ServerProcesses.thaw(pid());
		}
		ServerProcesses.stop(this.process, this.stopGraceMillis);
	}

	/**
	 * SIGKILL, as a crash; returns once the process is gone.
	 */
	public synchronized void kill() {
		ServerProcesses.kill(this.process);
	}

	/**
	 * SIGSTOP: the process keeps its port and connections but answers nothing, as in a long pause.
	 */
	public synchronized void freeze() {
		ServerProcesses.freeze(pid());
	}

	/**
	 * SIGCONT after {@link #freeze()}.
	 */
	public synchronized void thaw() {
		ServerProcesses.thaw(pid());
	}

	/**
	 * Stops the server if it runs, starts it again on the same ports and waits until it serves.
	 */
	public synchronized void restart() {
		if (isRunning()) {
			stop();
		}
		startProcess();
	}

}
