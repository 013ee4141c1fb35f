package io.github.microspring.benchmarks.discovery;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;

import io.github.microspring.discovery.EtcdCatalog;
import io.github.microspring.discovery.EtcdDiscoveryClient;
import io.github.microspring.registry.EtcdRegistration;
import io.github.microspring.registry.EtcdServiceRegistry;
import io.github.microspring.registry.RegisteredKeyView;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * Registry and discovery scenarios against a real etcd started for the run, each printed beside its
 * anchor from the same run:
 * <ul>
 * <li>{@code propagation}: a change in etcd until another client's {@link DiscoveryClient} shows it;
 * anchor: the same change reaching a bare jetcd watch.</li>
 * <li>{@code crash}: SIGKILL of a registered process until it leaves the catalog; anchor: the lease
 * TTL.</li>
 * <li>{@code scale}: a catalog of N instances (default 5,000): cold start and heap, anchor a bare range
 * read; steady-state etcd requests per second for N leases, with the catalog-backed check against the
 * go-micro style check that reads etcd every interval.</li>
 * </ul>
 * Arguments: {@code all | propagation | crash | scale}, optionally {@code changes=300 crashes=3 ttl=10
 * instances=5000 window=20}.
 */
public final class DiscoveryScenarios {

	private static final String PREFIX = "/micro/registry/";

	private DiscoveryScenarios() {
	}

	public static void main(String[] args) throws Exception {
		String which = (args.length > 0) ? args[0] : "all";
		Map<String, Integer> options = new HashMap<>(Map.of("changes", 300, "crashes", 3, "ttl", 10, "instances",
				5000, "window", 20));
		Arrays.stream(args).skip(1).map((arg) -> arg.split("=")).forEach((kv) -> options.put(kv[0], Integer.parseInt(kv[1])));
		System.out.printf("machine: %d cores, %s, Java %s%n", Runtime.getRuntime().availableProcessors(),
				System.getProperty("os.name"), System.getProperty("java.version"));
		try (EtcdServer etcd = EtcdServer.start()) {
			if (which.equals("all") || which.equals("propagation")) {
				propagation(etcd, options.get("changes"));
			}
			if (which.equals("all") || which.equals("crash")) {
				crash(etcd, options.get("crashes"), options.get("ttl"));
			}
			if (which.equals("all") || which.equals("scale")) {
				scale(etcd, options.get("instances"), options.get("window"));
			}
		}
		System.exit(0);
	}

	static void propagation(EtcdServer etcd, int changes) throws Exception {
		try (Client writer = client(etcd); Client reader = client(etcd); Client raw = client(etcd)) {
			EtcdCatalog catalog = catalog(reader);
			DiscoveryClient discovery = new EtcdDiscoveryClient(catalog, 0);
			Map<String, Long> rawSeen = new ConcurrentHashMap<>();
			AtomicReference<CountDownLatch> visible = new AtomicReference<>();
			AtomicReference<BooleanSupplier> condition = new AtomicReference<>(() -> false);
			long[] seenAt = new long[1];
			catalog.addListener((revision, services) -> {
				if (condition.get().getAsBoolean()) {
					seenAt[0] = System.nanoTime();
					visible.get().countDown();
				}
			});
			Watch.Watcher watcher = raw.getWatchClient()
				.watch(bytes(PREFIX + "prop/"), WatchOption.builder().isPrefix(true).build(),
						(response) -> response.getEvents()
							.forEach((event) -> rawSeen.put(event.getEventType() + " "
									+ event.getKeyValue().getKey().toString(StandardCharsets.UTF_8), System.nanoTime())));
			long[] ours = new long[changes];
			long[] anchor = new long[changes];
			int warmup = 20;
			for (int i = -warmup; i < changes; i++) {
				int n = i + warmup;
				String key = PREFIX + "prop/n" + n;
				String id = "prop-" + n;
				visible.set(new CountDownLatch(1));
				condition.set(() -> discovery.getInstances("prop").stream().anyMatch((s) -> s.getInstanceId().equals(id)));
				long start = System.nanoTime();
				writer.getKVClient().put(bytes(key), bytes(node("prop", id, 10000 + (n % 50000)))).get(5, TimeUnit.SECONDS);
				if (!visible.get().await(5, TimeUnit.SECONDS)) {
					throw new IllegalStateException("change " + n + " not visible within 5 s");
				}
				if (i >= 0) {
					ours[i] = seenAt[0] - start;
					Long rawAt = awaitValue(rawSeen, "PUT " + key);
					anchor[i] = rawAt - start;
				}
				// the removal is a change too; measured as the next sample would be, not recorded twice
				condition.set(() -> discovery.getInstances("prop").stream().noneMatch((s) -> s.getInstanceId().equals(id)));
				visible.set(new CountDownLatch(1));
				writer.getKVClient().delete(bytes(key)).get(5, TimeUnit.SECONDS);
				visible.get().await(5, TimeUnit.SECONDS);
			}
			watcher.close();
			catalog.stop();
			System.out.println();
			System.out.printf("propagation over %d changes (put in etcd -> visible in another client's DiscoveryClient)%n",
					changes);
			System.out.printf("  DiscoveryClient   p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms%n", ms(ours, 50), ms(ours, 99),
					ms(ours, 100));
			System.out.printf("  bare jetcd watch  p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms   (anchor)%n", ms(anchor, 50),
					ms(anchor, 99), ms(anchor, 100));
			System.out.printf("  ratio p99 ours/anchor %.2f; goal p99 <= 100 ms%n", ms(ours, 99) / ms(anchor, 99));
		}
	}

	static void crash(EtcdServer etcd, int crashes, int ttl) throws Exception {
		try (Client reader = client(etcd)) {
			EtcdCatalog catalog = catalog(reader);
			long[] removal = new long[crashes];
			for (int i = 0; i < crashes; i++) {
				String id = "crash-" + i;
				Process child = new ProcessBuilder(javaBinary(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
						RegisteredProcess.class.getName(), etcd.endpoint(), "crash", id, String.valueOf(ttl))
					.redirectErrorStream(true)
					.start();
				try {
					BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
					String line;
					while ((line = out.readLine()) != null && !line.equals("READY")) {
						// the child's own output before it is ready
					}
					awaitCondition(() -> catalog.getInstances("crash").stream().anyMatch((s) -> s.getInstanceId().equals(id)),
							10_000);
					CountDownLatch gone = new CountDownLatch(1);
					long[] goneAt = new long[1];
					catalog.addListener((revision, services) -> {
						if (catalog.getInstances("crash").stream().noneMatch((s) -> s.getInstanceId().equals(id))
								&& gone.getCount() > 0) {
							goneAt[0] = System.nanoTime();
							gone.countDown();
						}
					});
					long killed = System.nanoTime();
					child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
					if (!gone.await(ttl + 10, TimeUnit.SECONDS)) {
						throw new IllegalStateException("killed instance still in the catalog after " + (ttl + 10) + " s");
					}
					removal[i] = goneAt[0] - killed;
				}
				finally {
					child.destroyForcibly();
				}
			}
			catalog.stop();
			System.out.println();
			System.out.printf("crash: SIGKILL of a registered process -> removed from another client's catalog, %d runs%n",
					crashes);
			System.out.printf("  removal  median %6.2f s  max %6.2f s   lease-ttl %d s (anchor); goal <= ttl + 1 s%n",
					ms(removal, 50) / 1000, ms(removal, 100) / 1000, ttl);
		}
	}

	static void scale(EtcdServer etcd, int instances, int window) throws Exception {
		try (Client registering = client(etcd)) {
			EtcdCatalog view = catalog(registering);
			AtomicReference<RegisteredKeyView> keyView = new AtomicReference<>(view);
			EtcdServiceRegistry registry = new EtcdServiceRegistry(registering, "/micro/registry", Duration.ofSeconds(10),
					Duration.ofSeconds(5), Duration.ofSeconds(10), keyView::get, Clock.systemUTC());
			long started = System.nanoTime();
			for (int i = 0; i < instances; i++) {
				registry.register(new EtcdRegistration("scale-" + (i % 50), "1.0.0", "scale-" + i, "10.0." + (i / 250) + "."
						+ (i % 250), 8080, false, Map.of("protocol", "http", "scheme", "http", "zone", "z" + (i % 3))));
			}
			awaitCondition(() -> view.snapshot().values().stream().mapToInt(List::size).sum() == instances, 120_000);
			System.out.println();
			System.out.printf("scale: %d instances in 50 services registered in %.1f s (one process, one keep-alive stream)%n",
					instances, (System.nanoTime() - started) / 1e9);

			try (Client coldClient = client(etcd)) {
				long rawStart = System.nanoTime();
				var listed = coldClient.getKVClient()
					.get(bytes(PREFIX), GetOption.builder().isPrefix(true).build())
					.get(30, TimeUnit.SECONDS);
				long rawNanos = System.nanoTime() - rawStart;
				long bytes = listed.getKvs().stream().mapToLong((kv) -> kv.getValue().size() + kv.getKey().size()).sum();
				listed = null;
				long heapBefore = usedHeap();
				long coldStart = System.nanoTime();
				EtcdCatalog cold = catalog(coldClient);
				long coldNanos = System.nanoTime() - coldStart;
				int seen = cold.snapshot().values().stream().mapToInt(List::size).sum();
				long heapAfter = usedHeap();
				System.out.printf("  cold start of a catalog: %.0f ms for %d instances (paged listing + watch), heap %+.1f MB%n",
						coldNanos / 1e6, seen, (heapAfter - heapBefore) / 1048576.0);
				System.out.printf("  anchor: one bare range read of the prefix %.0f ms, %.1f MB of keys and values%n",
						rawNanos / 1e6, bytes / 1048576.0);
				cold.stop();
			}

			Map<String, Double> withView = rates(etcd, window);
			keyView.set(null);
			Map<String, Double> everyInterval = rates(etcd, window);
			System.out.printf("  steady state, %d leases, lease-ttl 10 s, register-interval 5 s, over %d s:%n", instances,
					window);
			System.out.printf("    check answered by the catalog's watch: %7.1f requests/s %s%n", total(withView), withView);
			System.out.printf("    check reading etcd every interval:     %7.1f requests/s %s   (anchor: go-micro style)%n",
					total(everyInterval), everyInterval);
			registry.close();
			view.stop();
		}
	}

	private static Map<String, Double> rates(EtcdServer etcd, int seconds) throws Exception {
		Map<String, Long> before = grpcMessages(etcd);
		long start = System.nanoTime();
		awaitCondition(() -> System.nanoTime() - start >= seconds * 1_000_000_000L, seconds * 1000L + 1000);
		Map<String, Long> after = grpcMessages(etcd);
		double elapsed = (System.nanoTime() - start) / 1e9;
		Map<String, Double> rates = new java.util.TreeMap<>();
		after.forEach((method, count) -> {
			double rate = (count - before.getOrDefault(method, 0L)) / elapsed;
			if (rate >= 0.05) {
				rates.put(method, Math.round(rate * 10) / 10.0);
			}
		});
		return rates;
	}

	/** Messages etcd received, per gRPC method: unary calls and stream messages (each keep-alive). */
	private static Map<String, Long> grpcMessages(EtcdServer etcd) throws Exception {
		String metrics = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(etcd.endpoint() + "/metrics")).build(),
					HttpResponse.BodyHandlers.ofString())
			.body();
		Matcher matcher = Pattern.compile("grpc_server_msg_received_total\\{[^}]*grpc_method=\"(\\w+)\"[^}]*} (\\S+)")
			.matcher(metrics);
		Map<String, Long> counts = new HashMap<>();
		while (matcher.find()) {
			counts.merge(matcher.group(1), (long) Double.parseDouble(matcher.group(2)), Long::sum);
		}
		return counts;
	}

	private static double total(Map<String, Double> rates) {
		return rates.values().stream().mapToDouble(Double::doubleValue).sum();
	}

	private static EtcdCatalog catalog(Client client) {
		EtcdCatalog catalog = new EtcdCatalog(client, PREFIX, Duration.ofSeconds(30), 1000, Duration.ofMillis(100),
				Duration.ofSeconds(5), Clock.systemUTC());
		// propagation is timed through a listener: tell it at once, without gathering changes first
		catalog.setNotificationDelay(Duration.ZERO);
		catalog.start();
		return catalog;
	}

	private static Client client(EtcdServer etcd) {
		return Client.builder().endpoints(etcd.endpoint()).build();
	}

	private static long usedHeap() {
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

	private static Long awaitValue(Map<String, Long> map, String key) throws InterruptedException {
		awaitCondition(() -> map.containsKey(key), 5000);
		return map.get(key);
	}

	/** Waits on a condition that the runner itself cannot be told about, polling briefly. */
	private static void awaitCondition(BooleanSupplier condition, long timeoutMillis) throws InterruptedException {
		long deadline = System.currentTimeMillis() + timeoutMillis;
		while (!condition.getAsBoolean()) {
			if (System.currentTimeMillis() > deadline) {
				throw new IllegalStateException("condition not met within " + timeoutMillis + " ms");
			}
			Thread.sleep(5);
		}
	}

	private static double ms(long[] nanos, int percentile) {
		long[] sorted = nanos.clone();
		Arrays.sort(sorted);
		int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
	}

	static String node(String service, String id, int port) {
		return "{\"name\":\"" + service + "\",\"version\":\"1.0.0\",\"metadata\":{},\"endpoints\":[],\"nodes\":[{\"id\":\""
				+ id + "\",\"address\":\"127.0.0.1:" + port + "\",\"metadata\":{\"protocol\":\"http\"}}]}";
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

	private static String javaBinary() {
		return ProcessHandle.current().info().command().orElse("java");
	}


}
