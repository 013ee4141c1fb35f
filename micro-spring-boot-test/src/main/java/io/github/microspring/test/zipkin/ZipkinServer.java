package io.github.microspring.test.zipkin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import io.github.microspring.test.FreePorts;
import io.github.microspring.test.ServerBinaries;
import io.github.microspring.test.ServerProcess;

/**
 * One real Zipkin server (in-memory storage) on a free loopback port, run from zipkin-server's exec jar in
 * its own JVM. The jar is found through the system property {@value #JAR_PROPERTY}, else in the local Maven
 * repository (honouring {@code maven.repo.local}); the build of micro-spring-boot-test fetches it there.
 */
public final class ZipkinServer extends ServerProcess {

	/**
	 * System property naming the zipkin-server exec jar to run.
	 */
	public static final String JAR_PROPERTY = "micro.test.zipkin-jar";

	/**
	 * Same as {@code zipkin-server.version} in the parent pom.
	 */
	static final String VERSION = "3.6.1";

	private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

	/**
	 * Most spans the in-memory store keeps (the oldest go first): room for minutes of a load test in 192 MB.
	 */
	static final int MAX_SPANS = 20_000;

	private static final Pattern STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private final int port;

	private final Path jar;

	private final Path log;

	private ZipkinServer(int port, Path jar, Path log) {
		super("zipkin-server", Duration.ofSeconds(10));
		this.port = port;
		this.jar = jar;
		this.log = log;
	}

	/**
	 * Starts Zipkin and waits until {@code /health} answers 200.
	 * @return the running server
	 */
	public static ZipkinServer start() {
		try {
			ZipkinServer server = new ZipkinServer(FreePorts.take(), jar(), Files.createTempFile("zipkin-", ".log"));
			server.launch();
			return server;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * @return {@code http://127.0.0.1:port}
	 */
	public String baseUrl() {
		return "http://127.0.0.1:" + this.port;
	}

	/**
	 * @return where spans are reported, for {@code management.zipkin.tracing.endpoint}
	 */
	public String spansEndpoint() {
		return baseUrl() + "/api/v2/spans";
	}

	public int port() {
		return this.port;
	}

	/**
	 * Starts again on the same port, empty (spans are kept in memory), and waits until it serves.
	 */
	@Override
	protected void startProcess() {
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

	/**
	 * Reports spans as a client library would.
	 * @param json a Zipkin v2 JSON array of spans
	 */
	public void postSpans(String json) {
		HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(spansEndpoint()))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json)));
		if (response.statusCode() != 202) {
			throw new IllegalStateException("POST /api/v2/spans answered " + response.statusCode() + ": "
					+ response.body());
		}
	}

	/**
	 * @param traceId the trace ID, 16 or 32 lower-case hex characters
	 * @return the trace's spans as Zipkin v2 JSON, or null when Zipkin holds none
	 */
	public String trace(String traceId) {
		HttpResponse<String> response = get("/api/v2/trace/" + traceId);
		if (response.statusCode() == 404) {
			return null;
		}
		return body(response);
	}

	/**
	 * @return the names of the services that reported spans
	 */
	public List<String> serviceNames() {
		Matcher names = STRING.matcher(body(get("/api/v2/services")));
		List<String> serviceNames = new ArrayList<>();
		while (names.find()) {
			serviceNames.add(names.group(1));
		}
		return serviceNames;
	}

	private HttpResponse<String> get(String path) {
		return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET());
	}

	private static String body(HttpResponse<String> response) {
		if (response.statusCode() != 200) {
			throw new IllegalStateException(response.request().uri() + " answered " + response.statusCode() + ": "
					+ response.body());
		}
		return response.body();
	}

	private HttpResponse<String> send(HttpRequest.Builder request) {
		try {
			return this.http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Zipkin at " + baseUrl() + " did not answer", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private synchronized void launch() {
		List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xms32m",
				"-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-jar",
				this.jar.toString(), "--armeria.ports[0].port=" + this.port, "--armeria.ports[0].ip=127.0.0.1",
				"--armeria.ports[0].protocols[0]=http", "--zipkin.storage.type=mem",
				// Zipkin keeps 500,000 spans by default, which a 192 MB heap cannot hold: under load it would
				// collect garbage without end and take the CPU the measured applications need
				"--zipkin.storage.mem.max-spans=" + MAX_SPANS, "--logging.level.root=WARN");
		try {
			track(new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.log.toFile()))
				.start());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start zipkin-server", ex);
		}
		try {
			Awaitility.await("Zipkin ready")
				.atMost(READY_TIMEOUT)
				.pollInterval(Duration.ofMillis(100))
				.until(this::serves);
		}
		catch (ConditionTimeoutException ex) {
			throw new IllegalStateException("Zipkin not ready within " + READY_TIMEOUT.toSeconds() + " s:\n"
					+ ServerBinaries.tail(this.log), ex);
		}
	}

	private boolean serves() throws InterruptedException {
		if (!process().isAlive()) {
			throw new IllegalStateException("zipkin-server exited with " + process().exitValue() + ":\n"
					+ ServerBinaries.tail(this.log));
		}
		try {
			return this.http
				.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/health")).timeout(Duration.ofSeconds(1)).build(),
						HttpResponse.BodyHandlers.discarding())
				.statusCode() == 200;
		}
		catch (IOException ex) {
			return false;
		}
	}

	static Path jar() {
		String configured = System.getProperty(JAR_PROPERTY);
		Path jar = (configured != null && !configured.isBlank()) ? Path.of(configured) : localRepository()
			.resolve("io/zipkin/zipkin-server/" + VERSION + "/zipkin-server-" + VERSION + "-exec.jar");
		if (!Files.isRegularFile(jar)) {
			throw new IllegalStateException("zipkin-server exec jar not found at " + jar + ": run ./mvnw dependency:get"
					+ " -Dartifact=io.zipkin:zipkin-server:" + VERSION + ":jar:exec -Dtransitive=false, or set -D"
					+ JAR_PROPERTY + "=<path to the jar>");
		}
		return jar;
	}

	private static Path localRepository() {
		String configured = System.getProperty("maven.repo.local");
		if (configured != null && !configured.isBlank()) {
			return Path.of(configured);
		}
		return Path.of(System.getProperty("user.home"), ".m2", "repository");
	}

	@Override
	public String toString() {
		return "Zipkin at " + baseUrl();
	}

}
