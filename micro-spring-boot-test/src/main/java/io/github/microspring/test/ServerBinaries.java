package io.github.microspring.test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds the server binaries tests run; on Debian or Ubuntu as root it installs a missing package itself.
 */
public final class ServerBinaries {

	private static final List<String> EXTRA_DIRS = List.of("/usr/bin", "/usr/sbin", "/usr/local/bin");

	private static boolean updated;

	private ServerBinaries() {
	}

	/**
	 * @param binary the executable, such as {@code etcd}
	 * @param debianPackage the package holding it, such as {@code etcd-server}
	 * @return the executable's path
	 * @throws IllegalStateException naming what to install when it is missing and cannot be installed here
	 */
	public static synchronized Path require(String binary, String debianPackage) {
		Path found = find(binary);
		if (found != null) {
			return found;
		}
		if (Files.exists(Path.of("/etc/debian_version")) && "root".equals(System.getProperty("user.name"))) {
			install(debianPackage);
			found = find(binary);
			if (found != null) {
				return found;
			}
		}
		throw new IllegalStateException(binary + " not found on PATH: install the Debian/Ubuntu package '"
				+ debianPackage + "' (apt-get install " + debianPackage + ") or put the " + binary + " binary on PATH");
	}

	private static Path find(String binary) {
		List<String> dirs = new ArrayList<>();
		String path = System.getenv("PATH");
		if (path != null) {
			dirs.addAll(List.of(path.split(File.pathSeparator)));
		}
		dirs.addAll(EXTRA_DIRS);
		for (String dir : dirs) {
			Path candidate = Path.of(dir, binary);
			if (Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		return null;
	}

	private static void install(String debianPackage) {
		try {
			Path log = Files.createTempFile("apt-" + debianPackage, ".log");
			if (!updated) {
				run(log, "apt-get", "update", "-q");
				updated = true;
			}
			run(log, "apt-get", "install", "-y", "-q", "--no-install-recommends", debianPackage);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot install " + debianPackage + ": " + ex.getMessage(), ex);
		}
	}

	private static void run(Path log, String... command) throws IOException {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
		builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
		Process process = builder.start();
		ServerProcesses.track(process);
		try {
			if (!process.waitFor(10, TimeUnit.MINUTES)) {
				process.destroyForcibly();
				throw new IllegalStateException(String.join(" ", command) + " took over 10 minutes; see " + log);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted: " + String.join(" ", command), ex);
		}
		if (process.exitValue() != 0) {
			throw new IllegalStateException(String.join(" ", command) + " failed (exit " + process.exitValue()
					+ "):\n" + tail(log));
		}
	}

	public static String tail(Path log) {
		try {
			List<String> lines = Files.readAllLines(log);
			return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

}
