package io.github.microspring.discovery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.microspring.etcd.EtcdCalls;
import io.github.microspring.registry.RegisteredKeyView;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.context.SmartLifecycle;

/**
 * The in-memory view of every service under the registry prefix, fed by one prefix watch: list at
 * revision R, watch from R + 1, apply each PUT and DELETE. When the watch is compacted, halted or finds
 * that etcd lost its data, the catalog lists again and watches from the new revision; listeners hear of
 * the difference only. Reads never touch etcd.
 */
public class EtcdCatalog implements SmartLifecycle, RegisteredKeyView {

	/**
	 * Starts before the web server, so the catalog is filled when requests arrive.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private static final Log logger = LogFactory.getLog(EtcdCatalog.class);

	private final Client client;

	private final String prefix;

	private final ByteSequence prefixBytes;

	private final Duration callTimeout;

	private final int pageSize;

	private final Duration minBackoff;

	private final Duration maxBackoff;

	private final Clock clock;

	private final List<CatalogListener> listeners = new CopyOnWriteArrayList<>();

	private final Object lock = new Object();

	/** Valid entries by key; guarded by {@link #lock}. */
	private final Map<String, Entry> entries = new HashMap<>();

	private final Set<String> reportedBadKeys = ConcurrentHashMap.newKeySet();

	private final AtomicLong watchRestarts = new AtomicLong();

	private final AtomicLong skippedValues = new AtomicLong();

	private final AtomicLong changes = new AtomicLong();

	private volatile Map<String, List<ServiceInstance>> instances = Map.of();

	private volatile long revision;

	private volatile boolean synced;

	private volatile Instant staleSince;

	private volatile boolean running;

	private ScheduledExecutorService executor;

	/** Identifies the current watch; callbacks of a replaced watch are ignored. */
	private final AtomicLong generation = new AtomicLong();

	private Watch.Watcher watcher;

	private ScheduledFuture<?> pendingSync;

	private int attempt;

	public EtcdCatalog(Client client, String prefix, Duration callTimeout, int pageSize, Duration minBackoff,
			Duration maxBackoff, Clock clock) {
		this.client = client;
		this.prefix = prefix;
		this.prefixBytes = bytes(prefix);
		this.callTimeout = callTimeout;
		this.pageSize = pageSize;
		this.minBackoff = minBackoff;
		this.maxBackoff = maxBackoff;
		this.clock = clock;
		this.staleSince = clock.instant();
	}

	public void addListener(CatalogListener listener) {
		this.listeners.add(listener);
	}

	/**
	 * Instances of one service, from memory. The same list object is returned until the service changes.
	 * @param serviceId the service name
	 * @return an immutable list, empty for an unknown service
	 */
	public List<ServiceInstance> getInstances(String serviceId) {
		return this.instances.getOrDefault(serviceId, List.of());
	}

	public List<String> getServices() {
		return List.copyOf(this.instances.keySet());
	}

	/**
	 * Every service with its instances, as one consistent snapshot.
	 * @return an immutable map
	 */
	public Map<String, List<ServiceInstance>> snapshot() {
		return this.instances;
	}

	/** The etcd revision the catalog reflects. */
	public long getRevision() {
		return this.revision;
	}

	/** Whether the catalog has been listed at least once. */
	public boolean isSynced() {
		return this.synced;
	}

	/** Since when the catalog may miss changes because etcd cannot be reached, or null when in sync. */
	public Instant getStaleSince() {
		return this.staleSince;
	}

	public long getWatchRestarts() {
		return this.watchRestarts.get();
	}

	public long getSkippedValues() {
		return this.skippedValues.get();
	}

	public long getChanges() {
		return this.changes.get();
	}

	@Override
	public Presence presence(String key, long leaseId) {
		if (!this.synced || this.staleSince != null) {
			return Presence.UNKNOWN;
		}
		synchronized (this.lock) {
			Entry entry = this.entries.get(key);
			return (entry != null && entry.lease() == leaseId) ? Presence.PRESENT : Presence.ABSENT;
		}
	}

	@Override
	public void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		this.executor = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "etcd-catalog");
			thread.setDaemon(true);
			return thread;
		});
		// the first listing is awaited, bounded, so that discovery answers as soon as the context is up
		Future<?> first = this.executor.submit(this::sync);
		try {
			first.get(this.callTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			logger.warn("etcd catalog not listed at start; retrying in the background");
		}
	}

	@Override
	public void stop() {
		this.running = false;
		this.generation.incrementAndGet();
		ScheduledExecutorService executor = this.executor;
		if (executor != null) {
			executor.execute(this::closeWatcher);
			executor.shutdown();
			try {
				executor.awaitTermination(this.callTimeout.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Lists everything, replaces the catalog with the listing and watches from the listed revision.
	 */
	private void sync() {
		if (!this.running) {
			return;
		}
		closeWatcher();
		long gen = this.generation.incrementAndGet();
		try {
			Listing listing = list();
			Set<String> changed;
			synchronized (this.lock) {
				changed = replaceAll(listing.entries());
				this.revision = listing.revision();
				this.synced = true;
			}
			markFresh();
			this.attempt = 0;
			watch(gen, listing.revision() + 1);
			notifyChanged(changed);
		}
		catch (Exception ex) {
			markStale(ex);
			scheduleSync();
		}
	}

	private Listing list() throws Exception {
		ByteSequence end = OptionsUtil.prefixEndOf(this.prefixBytes);
		ByteSequence from = this.prefixBytes;
		long listRevision = 0;
		Map<String, Entry> listed = new HashMap<>();
		while (true) {
			GetOption.Builder option = GetOption.builder()
				.withRange(end)
				.withLimit(this.pageSize)
				.withSortField(GetOption.SortTarget.KEY)
				.withSortOrder(GetOption.SortOrder.ASCEND);
			if (listRevision != 0) {
				// later pages read the same revision, so the listing is one consistent snapshot
				option.withRevision(listRevision);
			}
			GetResponse page = EtcdCalls.await(this.client.getKVClient().get(from, option.build()), this.callTimeout);
			if (listRevision == 0) {
				listRevision = page.getHeader().getRevision();
			}
			List<KeyValue> kvs = page.getKvs();
			for (KeyValue kv : kvs) {
				Entry entry = parse(kv);
				if (entry != null) {
					listed.put(entry.key(), entry);
				}
			}
			if (!page.isMore() || kvs.isEmpty()) {
				return new Listing(listRevision, listed);
			}
			byte[] last = kvs.get(kvs.size() - 1).getKey().getBytes();
			byte[] next = new byte[last.length + 1];
			System.arraycopy(last, 0, next, 0, last.length);
			from = ByteSequence.from(next);
		}
	}

	private void watch(long gen, long fromRevision) {
		WatchOption option = WatchOption.builder()
			.isPrefix(true)
			.withRevision(fromRevision)
			.withCreateNotify(true)
			.build();
		this.watcher = this.client.getWatchClient()
			.watch(this.prefixBytes, option, Watch.listener((response) -> onWatchResponse(gen, response),
					(error) -> onWatchError(gen, error), () -> onWatchCompleted(gen)));
	}

	/**
	 * Watches again from an older revision, as jetcd does after a reconnect; lets tests reach the
	 * compaction path, which otherwise depends on timing.
	 */
	void resumeWatchFrom(long fromRevision) {
		this.executor.execute(() -> {
			closeWatcher();
			watch(this.generation.incrementAndGet(), fromRevision);
		});
	}

	private void onWatchResponse(long gen, WatchResponse response) {
		if (gen != this.generation.get()) {
			return;
		}
		if (response.isCreatedNotify()) {
			if (response.getHeader().getRevision() < this.revision) {
				// a watch resumed on an etcd that lost its data would wait silently for old revisions
				logger.warn("etcd is at revision " + response.getHeader().getRevision() + ", behind the catalog's "
						+ this.revision + ": it lost its data; listing again");
				restart();
				return;
			}
			markFresh();
			return;
		}
		markFresh();
		Set<String> changed = new HashSet<>();
		synchronized (this.lock) {
			for (WatchEvent event : response.getEvents()) {
				KeyValue kv = event.getKeyValue();
				// one transaction writes several keys at one revision: only strictly older events are replays
				if (kv.getModRevision() < this.revision) {
					continue;
				}
				this.revision = kv.getModRevision();
				String key = kv.getKey().toString(StandardCharsets.UTF_8);
				Entry previous = (event.getEventType() == WatchEvent.EventType.PUT) ? put(key, parse(kv))
						: remove(key);
				Entry current = this.entries.get(key);
				collectChanged(previous, current, changed);
			}
			if (!changed.isEmpty()) {
				rebuild(changed);
			}
		}
		notifyChanged(changed);
	}

	private void onWatchError(long gen, Throwable error) {
		if (gen == this.generation.get()) {
			markStale(error);
		}
	}

	private void onWatchCompleted(long gen) {
		if (gen == this.generation.get() && this.running) {
			// compaction, a halt or a future revision: jetcd gave up on this watch
			restart();
		}
	}

	private void restart() {
		this.watchRestarts.incrementAndGet();
		this.generation.incrementAndGet();
		try {
			this.executor.execute(() -> {
				closeWatcher();
				scheduleSync();
			});
		}
		catch (RejectedExecutionException ex) {
			// stopping
		}
	}

	private void scheduleSync() {
		if (!this.running) {
			return;
		}
		if (this.pendingSync != null) {
			this.pendingSync.cancel(false);
		}
		long delay = EtcdCalls.backoffMillis(this.minBackoff, this.maxBackoff, this.attempt++);
		this.pendingSync = this.executor.schedule(this::sync, delay, TimeUnit.MILLISECONDS);
	}

	/**
	 * Invalidates the current watch before closing it: jetcd calls onCompleted on close, which must not
	 * read as a watch that gave up.
	 */
	private void closeWatcher() {
		this.generation.incrementAndGet();
		if (this.watcher != null) {
			this.watcher.close();
			this.watcher = null;
		}
	}

	/** Applies a parsed PUT; a value that does not parse removes what the key held before. */
	private Entry put(String key, Entry entry) {
		return (entry != null) ? this.entries.put(key, entry) : this.entries.remove(key);
	}

	private Entry remove(String key) {
		this.reportedBadKeys.remove(key);
		return this.entries.remove(key);
	}

	private Set<String> replaceAll(Map<String, Entry> listed) {
		Set<String> changed = new HashSet<>();
		Set<String> keys = new HashSet<>(this.entries.keySet());
		keys.addAll(listed.keySet());
		for (String key : keys) {
			collectChanged(this.entries.get(key), listed.get(key), changed);
		}
		this.entries.clear();
		this.entries.putAll(listed);
		this.reportedBadKeys.retainAll(listed.keySet());
		if (!changed.isEmpty()) {
			rebuild(changed);
		}
		return changed;
	}

	private static void collectChanged(Entry before, Entry after, Set<String> changed) {
		if (before == null && after == null) {
			return;
		}
		if (before != null && after != null && before.service().equals(after.service())
				&& before.instances().equals(after.instances())) {
			return;
		}
		if (before != null) {
			changed.add(before.service());
		}
		if (after != null) {
			changed.add(after.service());
		}
	}

	/** Rebuilds the lists of the changed services; the others keep their list objects. */
	private void rebuild(Set<String> services) {
		Map<String, TreeMap<String, ServiceInstance>> byService = new HashMap<>();
		for (String service : services) {
			byService.put(service, new TreeMap<>());
		}
		for (Entry entry : this.entries.values()) {
			TreeMap<String, ServiceInstance> instances = byService.get(entry.service());
			if (instances != null) {
				for (EtcdServiceInstance instance : entry.instances()) {
					instances.put(instance.getInstanceId(), instance);
				}
			}
		}
		Map<String, List<ServiceInstance>> next = new HashMap<>(this.instances);
		byService.forEach((service, instances) -> {
			if (instances.isEmpty()) {
				next.remove(service);
			}
			else {
				next.put(service, List.copyOf(instances.values()));
			}
		});
		this.instances = Collections.unmodifiableMap(next);
	}

	private Entry parse(KeyValue kv) {
		String key = kv.getKey().toString(StandardCharsets.UTF_8);
		try {
			List<EtcdServiceInstance> parsed = CatalogEntryParser.parse(kv.getValue().getBytes());
			this.reportedBadKeys.remove(key);
			return new Entry(key, parsed.get(0).getServiceId(), parsed, kv.getLease());
		}
		catch (IllegalArgumentException ex) {
			this.skippedValues.incrementAndGet();
			if (this.reportedBadKeys.add(key)) {
				logger.warn("Skipping registry value under " + key + ": " + ex.getMessage());
			}
			return null;
		}
	}

	private void notifyChanged(Set<String> services) {
		if (services.isEmpty()) {
			return;
		}
		this.changes.incrementAndGet();
		long at = this.revision;
		Set<String> changed = Set.copyOf(services);
		for (CatalogListener listener : this.listeners) {
			try {
				listener.catalogChanged(at, changed);
			}
			catch (RuntimeException ex) {
				logger.warn("Catalog listener failed", ex);
			}
		}
	}

	private void markStale(Throwable error) {
		if (this.staleSince == null) {
			this.staleSince = this.clock.instant();
			logger.warn("Lost etcd: serving the last known catalog (revision " + this.revision + ") until it is back: "
					+ error.getMessage());
		}
		else if (!this.synced) {
			logger.debug("etcd catalog not listed yet: " + error.getMessage());
		}
	}

	private void markFresh() {
		if (this.staleSince != null && this.synced) {
			logger.info("etcd catalog in sync again at revision " + this.revision);
			this.staleSince = null;
		}
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

	List<String> keys() {
		synchronized (this.lock) {
			return new ArrayList<>(this.entries.keySet());
		}
	}

	private record Entry(String key, String service, List<EtcdServiceInstance> instances, long lease) {
	}

	private record Listing(long revision, Map<String, Entry> entries) {
	}

}
