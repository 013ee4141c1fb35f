package io.github.microspring.benchmarks.samples;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

import io.github.microspring.test.FreePorts;
import io.github.microspring.test.ServerBinaries;
import io.github.microspring.test.ServerProcesses;
import io.github.microspring.test.etcd.EtcdServer;
import io.github.microspring.test.kafka.KafkaServer;
import io.github.microspring.test.redis.RedisServer;
import io.github.microspring.test.zipkin.ZipkinServer;

/**
 * Requests per second through sample-gateway to sample-comment-service (GET {@code /articles/{article}}: the
 * gateway calls comment-service by name, which reads Redis), measured with {@code wrk} on loopback, against the
 * same two applications without the starter ({@link PlainForwarderApplication} calling a fixed address,
 * {@link PlainCommentApplication}); plus comment-service's start-up time (process start until it answers) and
 * resident memory (VmRSS from /proc) with and without the starter, when ready and after the load.
 * <p>
 * Each of the four applications runs in its own JVM with the same flags, each from its module's classpath
 * ({@code target/classes} and {@code target/classpath.txt}, see benchmarks/README.md); the anchors run on the
 * samples' classpaths with the starter's jars, Spring Cloud's and jetcd's taken out. Runs alternate between
 * the two, with a warm-up before each measurement; the medians are printed.
 * Arguments: {@code modes=anchor,all runs=3 warmup=10 warmup-rounds=30 duration=20 connections=16 threads=2 jfr=0};
 * the anchor's variants are listed in {@link #bootFeature}, the starter's modes in {@link #featuresOff}. A mode
 * whose measured answers include fallbacks ({@code X-Fallback: true}), non-2xx answers or socket errors is marked
 * not valid.
 */
public final class SamplesScenario {

	private static final List<String> JVM = List.of("-Xms256m", "-Xmx256m", "-XX:+UseSerialGC");

	private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

	/**
	 * Counts the answers the gateway's fallback gave ({@code X-Fallback: true}): a mode that measured them measured
	 * the breaker's fallback page, not comment-service. Each wrk thread counts in its own Lua state; {@code done}
	 * adds them up.
	 */
	private static final String COUNT_FALLBACKS = """
			local threads = {}
			function setup(thread)
			  table.insert(threads, thread)
			end
			fallbacks = 0
			function response(status, headers, body)
			  if headers["X-Fallback"] == "true" then
			    fallbacks = fallbacks + 1
			  end
			end
			function done(summary, latency, requests)
			  local total = 0
			  for _, thread in ipairs(threads) do
			    total = total + thread:get("fallbacks")
			  end
			  io.write("Fallback answers: " .. total .. "\\n")
			end
			""";

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private SamplesScenario() {
	}

	public static void main(String[] args) throws Exception {
		List<String> modeNames = new ArrayList<>(List.of("anchor", "all"));
		List<String> numbers = new ArrayList<>();
		for (String arg : String.join(" ", args).trim().split("\\s+")) {
			if (arg.startsWith("modes=")) {
				modeNames = List.of(arg.substring("modes=".length()).split(","));
			}
			else {
				numbers.add(arg);
			}
		}
		Map<String, Integer> options = options(numbers.toArray(String[]::new),
				Map.of("runs", 3, "warmup", 10, "duration", 20, "connections", 16, "threads", 2, "jfr", 0,
						"warmup-rounds", 30));
		Path root = projectRoot();
		Path wrk = ServerBinaries.require("wrk", "wrk");
		Path script = Files.createTempFile("count-fallbacks-", ".lua");
		Files.writeString(script, COUNT_FALLBACKS);
		script.toFile().deleteOnExit();
		String commentClasspath = classpath(root.resolve("sample-comment-service"));
		String gatewayClasspath = classpath(root.resolve("sample-gateway"));
		String anchorClasses = Path.of(SamplesScenario.class.getProtectionDomain().getCodeSource().getLocation().toURI())
			.toString();
		List<Mode> modes = new ArrayList<>();
		for (String name : modeNames) {
			if (name.startsWith("anchor")) {
				Pattern kept = bootFeature(name);
				modes.add(new Mode(name, withoutStarter(commentClasspath, kept) + File.pathSeparator + anchorClasses,
						PlainCommentApplication.class.getName(),
						withoutStarter(gatewayClasspath, kept) + File.pathSeparator + anchorClasses,
						PlainForwarderApplication.class.getName(),
						// with Boot's tracing the forwarder's calls are observed, as the starter makes the sample's
						name.equals("anchor+tracing") ? List.of("--forwarder.observed=true") : List.of()));
			}
			else {
				modes.add(new Mode(name, commentClasspath,
						"io.github.microspring.sample.comment.CommentServiceApplication", gatewayClasspath,
						"io.github.microspring.sample.gateway.GatewayApplication", featuresOff(name)));
			}
		}
		Mode plain = modes.get(0);
		if (!plain.name.equals("anchor")) {
			throw new IllegalArgumentException("modes= starts with anchor, the figure every other mode is compared with");
		}
		System.out.printf("machine: %d cores, %s, Java %s, load average at start %s%n",
				Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
				System.getProperty("java.version"), loadAverage());
		System.out.printf("wrk -t%d -c%d, %d s warm-up then %d s measured, %d runs; JVMs %s; modes %s%n",
				options.get("threads"), options.get("connections"), options.get("warmup"), options.get("duration"),
				options.get("runs"), JVM, modeNames);
		System.out.println("anchor leaves out: " + String.join(" ", removedByAnchor(gatewayClasspath + File.pathSeparator
				+ commentClasspath)));
		try (RedisServer redis = RedisServer.start(); EtcdServer etcd = EtcdServer.start();
				KafkaServer kafka = KafkaServer.start(); ZipkinServer zipkin = ZipkinServer.start()) {
			// every feature on for the samples: rate limits in Redis, logs to Kafka, every request traced to
			// Zipkin, the breaker around the gateway's call; the applications without the starter ignore these
			List<String> features = List.of("--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
					"--micro.logging.kafka.enabled=true",
					"--management.zipkin.tracing.endpoint=" + zipkin.spansEndpoint(),
					"--management.tracing.sampling.probability=1.0",
					// every wrk connection comes from one address: a limit it never reaches, still decided in Redis
					"--micro.ratelimit.instances.edge.capacity=1000000000",
					"--micro.ratelimit.instances.edge.refill-tokens=1000000000");
			for (int run = 1; run <= options.get("runs"); run++) {
				// alternate the order, so that no mode always meets a warmer or busier machine
				List<Mode> order = new ArrayList<>(modes);
				if (run % 2 == 0) {
					java.util.Collections.reverse(order);
				}
				for (Mode mode : order) {
					Result result = runOnce(mode, run, wrk, script, redis, etcd, features, options);
					mode.results.add(result);
					System.out.printf("run %d %-20s %s%n", run, mode.name, result);
				}
			}
		}
		System.out.println();
		for (Mode mode : modes) {
			System.out.println(mode.name + ":");
			System.out.println("  requests/s                    " + summary(mode, (r) -> r.requestsPerSecond, "%.0f")
					+ (mode.valid() ? "" : "   NOT VALID: fallback or failed answers measured, see the runs"));
			System.out.println("  fallbacks / non-2xx / socket errors  " + summary(mode, (r) -> r.fallbacks, "%.0f")
					+ " / " + summary(mode, (r) -> r.non2xx, "%.0f") + " / " + summary(mode, (r) -> r.errors, "%.0f"));
			System.out.println("  gateway CPU ms per request    " + summary(mode, (r) -> r.gatewayCpuPerRequest, "%.2f"));
			System.out.println("  comment CPU ms per request    " + summary(mode, (r) -> r.commentCpuPerRequest, "%.2f"));
			System.out.println("  the same without JIT threads  gateway " + summary(mode, Result::gatewayCompiled, "%.2f")
					+ ", comment " + summary(mode, Result::commentCompiled, "%.2f"));
			System.out.println("  comment-service start-up      " + summary(mode, (r) -> r.startSeconds, "%.2f s"));
			System.out.println("  comment-service RSS ready     " + summary(mode, (r) -> r.rssReadyMb, "%.0f MB"));
			System.out.println("  comment-service RSS loaded    " + summary(mode, (r) -> r.rssLoadedMb, "%.0f MB"));
		}
		System.out.println();
		for (Mode starter : modes.subList(1, modes.size())) {
			double ratio = median(starter, (r) -> r.requestsPerSecond) / median(plain, (r) -> r.requestsPerSecond);
			double cpuRatio = (median(plain, (r) -> r.gatewayCpuPerRequest + r.commentCpuPerRequest))
					/ median(starter, (r) -> r.gatewayCpuPerRequest + r.commentCpuPerRequest);
			double compiledRatio = (median(plain, (r) -> r.gatewayCompiled() + r.commentCompiled()))
					/ median(starter, (r) -> r.gatewayCompiled() + r.commentCompiled());
			System.out.printf("%s%s / %s: %.1f %% of the requests per second (%.1f %% by CPU per request, gateway and "
					+ "comment-service together; gateway %+.2f ms, comment-service %+.2f ms; %.1f %% without the JIT "
					+ "threads); start-up %+.2f s; RSS %+.0f MB ready, %+.0f MB after load%n",
					starter.valid() ? "" : "(NOT VALID) ", starter.name, plain.name,
					100 * ratio, 100 * cpuRatio,
					median(starter, (r) -> r.gatewayCpuPerRequest) - median(plain, (r) -> r.gatewayCpuPerRequest),
					median(starter, (r) -> r.commentCpuPerRequest) - median(plain, (r) -> r.commentCpuPerRequest),
					100 * compiledRatio, median(starter, (r) -> r.startSeconds) - median(plain, (r) -> r.startSeconds),
					median(starter, (r) -> r.rssReadyMb) - median(plain, (r) -> r.rssReadyMb),
					median(starter, (r) -> r.rssLoadedMb) - median(plain, (r) -> r.rssLoadedMb));
		}
		System.out.println("load average at the end " + loadAverage());
		System.exit(0);
	}

	private static Result runOnce(Mode mode, int run, Path wrk, Path script, RedisServer redis, EtcdServer etcd,
			List<String> features, Map<String, Integer> options) throws Exception {
		int[] ports = FreePorts.take(2);
		String article = "bench-" + run + "-" + mode.name.replaceAll("\\W", "-");
		List<String> common = new ArrayList<>(List.of("--server.address=127.0.0.1", "--spring.main.banner-mode=off",
				"--micro.etcd.endpoints=" + etcd.endpoint(), "--logging.level.root=WARN",
				"--spring.data.redis.port=" + redis.port()));
		// a mode's value replaces the feature's: Boot joins a key given twice on the command line with a comma
		Map<String, String> settings = new java.util.LinkedHashMap<>();
		for (String arg : features) {
			settings.put(arg.substring(0, arg.indexOf('=')), arg);
		}
		for (String arg : mode.args) {
			settings.put(arg.substring(0, arg.indexOf('=')), arg);
		}
		common.addAll(settings.values());
		List<String> commentArgs = new ArrayList<>(common);
		commentArgs.add("--server.port=" + ports[0]);
		List<String> gatewayArgs = new ArrayList<>(common);
		gatewayArgs.addAll(List.of("--server.port=" + ports[1], "--comments.url=http://127.0.0.1:" + ports[0]));
		Path logs = Files.createTempDirectory("samples-scenario-");
		long spawned = System.nanoTime();
		boolean jfr = options.get("jfr") == 1;
		Process comment = start(mode.commentClasspath, mode.commentMain, commentArgs, logs.resolve("comment.log"),
				jfr ? logs.resolve("comment.jfr") : null);
		Process gateway = null;
		try {
			String comments = "http://127.0.0.1:" + ports[0] + "/comments/" + article;
			awaitOk(comment, comments, logs);
			double startSeconds = (System.nanoTime() - spawned) / 1e9;
			double rssReady = rssMb(comment.pid());
			post(comments, "{\"author\":\"ada\",\"text\":\"a comment of about the usual length, to be read many times\"}");
			gateway = start(mode.gatewayClasspath, mode.gatewayMain, gatewayArgs, logs.resolve("gateway.log"),
					jfr ? logs.resolve("gateway.jfr") : null);
			String url = "http://127.0.0.1:" + ports[1] + "/articles/" + article;
			awaitOk(gateway, url, logs);
			int warmups = warmUp(wrk, script, url, options, gateway.pid(), comment.pid());
			double commentCpu = cpuMillis(comment.pid());
			double gatewayCpu = cpuMillis(gateway.pid());
			Map<String, Double> gatewayThreads = threadCpuMillis(gateway.pid());
			Map<String, Double> commentThreads = threadCpuMillis(comment.pid());
			Result result = parse(wrk(wrk, script, url, options, options.get("duration")));
			result.gatewayThreads = perRequest(gatewayThreads, threadCpuMillis(gateway.pid()), result.requests);
			result.commentThreads = perRequest(commentThreads, threadCpuMillis(comment.pid()), result.requests);
			// CPU time per request holds still on a shared machine, where requests per second do not
			result.commentCpuPerRequest = (cpuMillis(comment.pid()) - commentCpu) / result.requests;
			result.gatewayCpuPerRequest = (cpuMillis(gateway.pid()) - gatewayCpu) / result.requests;
			result.warmups = warmups;
			result.startSeconds = startSeconds;
			result.rssReadyMb = rssReady;
			result.rssLoadedMb = rssMb(comment.pid());
			return result;
		}
		finally {
			if (gateway != null) {
				ServerProcesses.stop(gateway, 10_000);
			}
			ServerProcesses.stop(comment, 10_000);
			if (jfr) {
				System.out.println("flight recordings in " + logs);
			}
		}
	}

	/**
	 * Warms both processes up with {@code wrk} in rounds of {@code warmup} seconds until neither spent more than
	 * a tenth of its CPU time in the JIT compiler threads during the last round (at most {@code warmup-rounds}).
	 * A warm-up of fixed seconds gives the slower configuration fewer requests to compile on, so it would measure
	 * more of its interpreted and C1 code and of the compilation itself: the same rule for every mode is fairer.
	 */
	private static int warmUp(Path wrk, Path script, String url, Map<String, Integer> options, long gateway, long comment)
			throws Exception {
		int round = 0;
		boolean compiling = true;
		while (compiling && round < options.get("warmup-rounds")) {
			Map<String, Double> gatewayBefore = threadCpuMillis(gateway);
			Map<String, Double> commentBefore = threadCpuMillis(comment);
			wrk(wrk, script, url, options, options.get("warmup"));
			round++;
			compiling = compilerShare(gatewayBefore, threadCpuMillis(gateway)) > 0.1
					|| compilerShare(commentBefore, threadCpuMillis(comment)) > 0.1;
		}
		return round;
	}

	private static double compilerShare(Map<String, Double> before, Map<String, Double> after) {
		double all = 0;
		double compiler = 0;
		for (Map.Entry<String, Double> thread : after.entrySet()) {
			double spent = thread.getValue() - before.getOrDefault(thread.getKey(), 0.0);
			all += spent;
			if (thread.getKey().matches("\\d+/C\\d CompilerThre.*")) {
				compiler += spent;
			}
		}
		return (all > 0) ? compiler / all : 0;
	}

	/**
	 * What an anchor variant keeps of the libraries the starter brings: Boot's own features on the applications
	 * without the starter, to measure what they cost the anchor. {@code anchor+tracing}: Micrometer Tracing with
	 * OpenTelemetry and the Zipkin exporter (Boot's auto-configuration, at the probability every mode gets);
	 * {@code anchor+gateway}: Spring Cloud Gateway on the forwarder's classpath (its web filters run on every
	 * request, routed or not).
	 */
	private static Pattern bootFeature(String mode) {
		return switch (mode) {
			case "anchor" -> null;
			case "anchor+tracing" -> Pattern.compile("(micrometer-tracing|opentelemetry-|zipkin|context-propagation-"
					+ "|okhttp-|okio-|kotlin-stdlib|annotations-\\d).*");
			case "anchor+gateway" -> Pattern.compile("(spring-cloud-gateway-|spring-cloud-starter-gateway-"
					+ "|spring-cloud-starter-\\d|spring-cloud-commons-|spring-cloud-context-|spring-security-crypto-"
					+ "|bcprov-|reactor-extra-).*");
			default -> throw new IllegalArgumentException("unknown mode '" + mode + "': anchor, anchor+tracing, "
					+ "anchor+gateway");
		};
	}

	/**
	 * What a mode other than {@code anchor} and {@code all} switches off or changes, to split the cost by feature
	 * in the same run.
	 */
	private static List<String> featuresOff(String mode) {
		return switch (mode) {
			case "all" -> List.of();
			case "sampling=0.1" -> List.of("--management.tracing.sampling.probability=0.1");
			case "without=tracing" -> List.of("--management.tracing.enabled=false");
			case "without=ratelimit" -> List.of("--micro.ratelimit.enabled=false");
			case "store=local" -> List.of("--micro.ratelimit.store=local");
			case "without=breaker" -> List.of("--micro.breaker.enabled=false");
			case "without=logging" -> List.of("--micro.logging.kafka.enabled=false");
			case "without=metadata" -> List.of("--micro.metadata.enabled=false");
			case "without=deadline" -> List.of("--micro.deadline.enabled=false");
			case "without=actuator-metrics" -> List.of("--management.metrics.enable.all=false");
			// Reactor's automatic propagation, which the metadata package switches on, back to Boot's default:
			// for attribution only, metadata and deadlines then do not reach every operator
			case "propagation=limited" -> List.of("--spring.reactor.context-propagation=limited");
			// Micrometer's own accessor, which opens the observation's scope again at every restore point
			case "observation-scopes=reopened" -> List.of("--micro.tracing.reuse-observation-scope=false");
			default -> throw new IllegalArgumentException("unknown mode '" + mode + "': anchor, anchor+tracing, "
					+ "anchor+gateway, all, sampling=0.1, without=tracing, without=ratelimit, store=local, "
					+ "without=breaker, without=logging, without=metadata, without=deadline, without=actuator-metrics, "
					+ "propagation=limited, observation-scopes=reopened");
		};
	}

	/**
	 * CPU time of each thread group (the thread's name without its digits) over the measured seconds, per request.
	 */
	private static Map<String, Double> perRequest(Map<String, Double> before, Map<String, Double> after,
			long requests) {
		Map<String, Double> groups = new TreeMap<>();
		after.forEach((thread, millis) -> groups.merge(thread.replaceFirst("^\\d+/", "").replaceAll("\\d+", "#"),
				(millis - before.getOrDefault(thread, 0.0)) / requests, Double::sum));
		return groups;
	}

	/**
	 * CPU time of each live thread, keyed by thread id and name, from {@code /proc/<pid>/task/<tid>/stat}.
	 */
	private static Map<String, Double> threadCpuMillis(long pid) throws IOException {
		Map<String, Double> threads = new TreeMap<>();
		try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
			for (Path task : tasks.toList()) {
				try {
					String stat = Files.readString(task.resolve("stat"));
					String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
					String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
					threads.put(task.getFileName() + "/" + name,
							(Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10.0);
				}
				catch (IOException ex) {
					// the thread ended meanwhile
				}
			}
		}
		return threads;
	}

	private static String wrk(Path wrk, Path script, String url, Map<String, Integer> options, int seconds)
			throws Exception {
		Process process = new ProcessBuilder(wrk.toString(), "-t" + options.get("threads"),
				"-c" + options.get("connections"), "-d" + seconds + "s", "--latency", "-s", script.toString(),
				// metadata the gateway carries to comment-service
				"-H", "X-User: bench", url)
			.redirectErrorStream(true)
			.start();
		ServerProcesses.track(process);
		String output = new String(process.getInputStream().readAllBytes());
		if (!process.waitFor(seconds + 30L, TimeUnit.SECONDS) || process.exitValue() != 0) {
			ServerProcesses.kill(process);
			throw new IllegalStateException("wrk failed:\n" + output);
		}
		return output;
	}

	private static Result parse(String wrk) {
		Result result = new Result();
		result.requestsPerSecond = Double.parseDouble(find(wrk, "Requests/sec:\\s+([\\d.]+)", "0"));
		result.requests = Long.parseLong(find(wrk, "(\\d+) requests in", "0"));
		result.p99 = find(wrk, "\\s99%\\s+(\\S+)", "?");
		result.non2xx = Long.parseLong(find(wrk, "Non-2xx or 3xx responses: (\\d+)", "0"));
		result.fallbacks = Long.parseLong(find(wrk, "Fallback answers: (\\d+)", "-1"));
		Matcher socket = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)")
			.matcher(wrk);
		if (socket.find()) {
			for (int i = 1; i <= 4; i++) {
				result.errors += Long.parseLong(socket.group(i));
			}
		}
		return result;
	}

	private static String find(String text, String regex, String otherwise) {
		Matcher matcher = Pattern.compile(regex).matcher(text);
		return matcher.find() ? matcher.group(1) : otherwise;
	}

	private static Process start(String classpath, String main, List<String> args, Path log, Path recording)
			throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(JVM);
		if (recording != null) {
			command.add("-XX:StartFlightRecording=filename=" + recording + ",settings=profile");
		}
		command.addAll(List.of("-cp", classpath, main));
		command.addAll(args);
		return ServerProcesses.track(new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start());
	}

	private static void awaitOk(Process process, String url, Path logs) throws Exception {
		long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline && process.isAlive()) {
			try {
				HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(URI.create(url))
					.timeout(Duration.ofSeconds(2))
					.build(), HttpResponse.BodyHandlers.discarding());
				if (answer.statusCode() == 200) {
					return;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			TimeUnit.MILLISECONDS.sleep(20);
		}
		throw new IllegalStateException(url + " did not answer 200 within " + READY_TIMEOUT.toSeconds() + " s"
				+ (process.isAlive() ? "" : " (the process exited)") + "; logs in " + logs);
	}

	private static void post(String url, String json) throws Exception {
		HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(url))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build(), HttpResponse.BodyHandlers.ofString());
		if (answer.statusCode() != 201) {
			throw new IllegalStateException("POST " + url + " answered " + answer.statusCode() + ": " + answer.body());
		}
	}

	/**
	 * User and system CPU time the process has used, from {@code /proc/<pid>/stat} (clock ticks of 10 ms).
	 */
	private static double cpuMillis(long pid) throws IOException {
		String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
		// fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15
		String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10.0;
	}

	private static double rssMb(long pid) throws IOException {
		for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
			if (line.startsWith("VmRSS:")) {
				return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
			}
		}
		throw new IllegalStateException("no VmRSS for " + pid);
	}

	private static String loadAverage() throws IOException {
		String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
		return fields[0] + " " + fields[1] + " " + fields[2];
	}

	/**
	 * A sample's classpath as its build wrote it: its classes, then {@code target/classpath.txt}.
	 */
	private static String classpath(Path module) throws IOException {
		Path file = module.resolve("target/classpath.txt");
		Path classes = module.resolve("target/classes");
		if (!Files.isRegularFile(file) || !Files.isDirectory(classes)) {
			throw new IllegalStateException("No " + file + ": build first with the command in benchmarks/README.md");
		}
		return classes + File.pathSeparator + Files.readString(file).trim();
	}

	/**
	 * Libraries that only the starter brings to the samples (its modules, Spring Cloud, jetcd with gRPC and
	 * Vert.x, Resilience4j, Bucket4j, AOP, Micrometer Tracing with OpenTelemetry and the Zipkin exporter, the Kafka
	 * client, Caffeine and Spring Retry, and what those pull in): the applications built without the starter do
	 * not have them. Left on the classpath, Boot's own auto-configuration would trace the anchors too.
	 */
	private static final Pattern STARTER_ONLY = Pattern.compile("(micro-spring-boot-|spring-cloud-|jetcd-|grpc-|vertx-"
			+ "|protobuf-|proto-google-|perfmark-|guava-|failureaccess-|listenablefuture-|checker-qual-"
			+ "|error_prone_annotations-|failsafe-|javax\\.annotation-api-|netty-handler-proxy-|netty-codec-socks-"
			+ "|reactor-extra-|evictor-|spring-boot-starter-cache-|spring-retry-|caffeine-|resilience4j-"
			+ "|context-propagation-|spring-boot-starter-aop-|aspectjweaver-|bucket4j|micrometer-tracing"
			+ "|opentelemetry-|zipkin|okhttp-|okio-|kotlin-stdlib|annotations-\\d|kafka-clients-|lz4-java-"
			+ "|snappy-java-|zstd-jni-|bcprov-|spring-security-crypto-).*");

	/**
	 * The classpath without the starter and the libraries only it brings: what the application is without the
	 * starter. Entries are judged by their file name, or their module's for a {@code target/classes} folder.
	 */
	static String withoutStarter(String classpath, Pattern kept) {
		return Arrays.stream(classpath.split(File.pathSeparator))
			.filter((entry) -> !STARTER_ONLY.matcher(entryName(entry)).matches()
					|| (kept != null && kept.matcher(entryName(entry)).matches()))
			.collect(Collectors.joining(File.pathSeparator));
	}

	private static List<String> removedByAnchor(String classpath) {
		return Arrays.stream(classpath.split(File.pathSeparator))
			.map(SamplesScenario::entryName)
			.filter((name) -> STARTER_ONLY.matcher(name).matches())
			.map((name) -> name.replaceFirst("-\\d[\\w.-]*\\.jar$", ""))
			.distinct()
			.sorted()
			.toList();
	}

	private static String entryName(String entry) {
		Path path = Path.of(entry);
		return (path.endsWith("target/classes") && path.getParent().getParent() != null)
				? path.getParent().getParent().getFileName().toString() : path.getFileName().toString();
	}

	private static Path projectRoot() {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			if (Files.isDirectory(dir.resolve("sample-gateway")) && Files.isDirectory(dir.resolve("benchmarks"))) {
				return dir;
			}
		}
		throw new IllegalStateException("Run from the project folder (the one holding sample-gateway/)");
	}

	private static Map<String, Integer> options(String[] args, Map<String, Integer> defaults) {
		Map<String, Integer> options = new TreeMap<>(defaults);
		for (String option : String.join(" ", args).trim().split("\\s+")) {
			String[] kv = option.split("=");
			if (kv.length != 2 || !defaults.containsKey(kv[0])) {
				if (!option.isEmpty()) {
					throw new IllegalArgumentException("expected one of " + defaults.keySet() + " as name=number, not '"
							+ option + "'");
				}
				continue;
			}
			options.put(kv[0], Integer.parseInt(kv[1]));
		}
		return options;
	}

	private static double median(Mode mode, ToDoubleFunction<Result> figure) {
		double[] values = mode.results.stream().mapToDouble(figure).sorted().toArray();
		int middle = values.length / 2;
		return (values.length % 2 == 1) ? values[middle] : (values[middle - 1] + values[middle]) / 2;
	}

	private static String summary(Mode mode, ToDoubleFunction<Result> figure, String format) {
		return String.format(format, median(mode, figure)) + " (" + mode.results.stream()
			.map((result) -> String.format(format.replace(" s", "").replace(" MB", ""), figure.applyAsDouble(result)))
			.collect(Collectors.joining(" / ")) + ")";
	}

	private static final class Mode {

		final String name;

		final String commentClasspath;

		final String commentMain;

		final String gatewayClasspath;

		final String gatewayMain;

		final List<Result> results = new ArrayList<>();

		final List<String> args;

		/**
		 * Whether every measured answer came from comment-service: none from the breaker's fallback, none
		 * failed.
		 */
		boolean valid() {
			return this.results.stream().allMatch((result) -> result.fallbacks == 0 && result.non2xx == 0
					&& result.errors == 0);
		}

		Mode(String name, String commentClasspath, String commentMain, String gatewayClasspath, String gatewayMain,
				List<String> args) {
			this.args = args;
			this.name = name;
			this.commentClasspath = commentClasspath;
			this.commentMain = commentMain;
			this.gatewayClasspath = gatewayClasspath;
			this.gatewayMain = gatewayMain;
		}

	}

	private static final class Result {

		double requestsPerSecond;

		long requests;

		double gatewayCpuPerRequest;

		double commentCpuPerRequest;

		String p99;

		int warmups;

		Map<String, Double> gatewayThreads = Map.of();

		Map<String, Double> commentThreads = Map.of();

		/** answers with {@code X-Fallback: true}; -1 when wrk did not count them */
		long fallbacks;

		long non2xx;

		/** wrk's socket errors: connect, read, write and timeout */
		long errors;

		double startSeconds;

		double rssReadyMb;

		double rssLoadedMb;

		@Override
		public String toString() {
			return String.format("%8.0f req/s after %d warm-up rounds, p99 %s, fallbacks %d, non-2xx %d, socket "
					+ "errors %d, CPU per request: gateway %.2f ms, comment-service "
					+ "%.2f ms; comment-service started in %.2f s, RSS %.0f MB ready, %.0f MB after load",
					this.requestsPerSecond, this.warmups, this.p99, this.fallbacks, this.non2xx, this.errors,
					this.gatewayCpuPerRequest,
					this.commentCpuPerRequest, this.startSeconds, this.rssReadyMb, this.rssLoadedMb)
					+ "\n    gateway threads, CPU ms per request: " + busiest(this.gatewayThreads)
					+ "\n    comment-service threads, CPU ms per request: " + busiest(this.commentThreads);
		}

		/**
		 * CPU per request outside the JIT compiler threads: the steady state the warm-up could not fully reach.
		 */
		double gatewayCompiled() {
			return this.gatewayCpuPerRequest - compiler(this.gatewayThreads);
		}

		double commentCompiled() {
			return this.commentCpuPerRequest - compiler(this.commentThreads);
		}

		private static double compiler(Map<String, Double> threads) {
			return threads.entrySet()
				.stream()
				.filter((thread) -> thread.getKey().startsWith("C# CompilerThre"))
				.mapToDouble(Map.Entry::getValue)
				.sum();
		}

		private static String busiest(Map<String, Double> threads) {
			return threads.entrySet()
				.stream()
				.filter((thread) -> thread.getValue() >= 0.01)
				.sorted(Map.Entry.<String, Double>comparingByValue().reversed())
				.map((thread) -> String.format("%s %.2f", thread.getKey(), thread.getValue()))
				.collect(Collectors.joining(", "));
		}

	}

}
