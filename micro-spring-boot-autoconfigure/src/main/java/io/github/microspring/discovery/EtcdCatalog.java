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
import java.util.concurrent.CompletableFuture;
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
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.Status;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.microspring.etcd.EtcdCalls;
import io.github.microspring.etcd.EtcdReconnect;
import io.github.microspring.registry.RegisteredKeyView;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.context.SmartLifecycle;

/**
 * The in-memory view of every service under the registry prefix, fed by one prefix watch: list at
 * revision R, watch from R + 1, apply each PUT and DELETE. When the watch fails, is compacted, halted,
 * loses its leader or finds that etcd lost its data, the catalog lists again and watches from the new revision;
 * it also lists again every {@code resyncInterval}, so a missed delete cannot leave a ghost behind.
 * Listeners hear of the difference only. Reads never touch etcd.
 * <p>
 * jetcd calls back on its single event loop, which also carries every lease keep-alive: the catalog
 * only hands responses over to its own thread there. That thread applies them at once; listeners are
 * told on a second thread, changes gathered for {@code notificationDelay}, one call at a time and in
 * revision order, so a slow listener (one that calls etcd, say) delays neither the view nor keep-alives.
 */
public class EtcdCatalog implements SmartLifecycle, RegisteredKeyView {

	/**
	 * Starts before the web server, so the catalog is filled when requests arrive.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private static final Log logger = LogFactory.getLog(EtcdCatalog.class);

	private static final Duration STOP_TIMEOUT = Duration.ofMillis(500);

	private final Client client;

	private final String prefix;

	private final ByteSequence prefixBytes;

	private final Duration callTimeout;

	private final Duration minBackoff;

	private final Duration maxBackoff;

	private final Clock clock;

	private Duration resyncInterval = Duration.ofMinutes(5);

	private Duration notificationDelay = Duration.ofMillis(100);

	private final List<CatalogListener> listeners = new CopyOnWriteArrayList<>();

	private final Object lock = new Object();

	/** Valid entries by key; guarded by {@link #lock}. */
	private final Map<String, Entry> entries = new HashMap<>();

	/** Keys by the service name their value holds; guarded by {@link #lock}. */
	private final Map<String, Set<String>> keysByService = new HashMap<>();

	/** Keys by their directory under the prefix, which is how go-micro looks services up; guarded by {@link #lock}. */
	private final Map<String, Set<String>> keysByDirectory = new HashMap<>();

	private final Set<String> reportedBadKeys = ConcurrentHashMap.newKeySet();

	private final AtomicLong watchRestarts = new AtomicLong();

	private final AtomicLong skippedValues = new AtomicLong();

	private final AtomicLong changes = new AtomicLong();

	/** Instances by the service name of the values. */
	private volatile Map<String, List<ServiceInstance>> instances = Map.of();

	/** Instances by key directory: the service name with {@code /} mapped to {@code -}. */
	private volatile Map<String, List<ServiceInstance>> instancesByDirectory = Map.of();

	private volatile long revision;

	private volatile boolean synced;

	private volatile Instant staleSince;

	private volatile String lastError;

	private volatile boolean running;

	/** Shrinks when a listing page does not fit the client's inbound message limit. */
	private volatile int pageSize;

	/** The catalog's thread: lists, watches and applies responses. */
	private ScheduledExecutorService executor;

	/** Tells listeners, one change set at a time. */
	private ScheduledExecutorService notifier;

	/** Identifies the current watch; callbacks of a replaced watch are ignored. */
	private final AtomicLong generation = new AtomicLong();

	private volatile Watch.Watcher watcher;

	/** The next listing, after a failure or for the periodic resync; catalog thread only. */
	private ScheduledFuture<?> pendingSync;

	/** Failed attempts in a row; catalog thread only. */
	private int attempt;

	/** Start of the current outage, or null; catalog thread only. */
	private Instant unreachableSince;

	/** Changes not yet told to listeners; guarded by itself. */
	private final Set<String> pendingServices = new HashSet<>();

	private long pendingRevision;

	private boolean notificationScheduled;

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

	/**
	 * How often to list everything again while the watch is in sync.
	 * @param resyncInterval the interval; zero or negative turns the periodic listing off
	 */
	public void setResyncInterval(Duration resyncInterval) {
		this.resyncInterval = resyncInterval;
	}

	/**
	 * How long to gather changes before telling listeners once for all of them.
	 * @param notificationDelay the delay, zero to tell them as soon as their thread is free
	 */
	public void setNotificationDelay(Duration notificationDelay) {
		this.notificationDelay = notificationDelay;
	}

	public void addListener(CatalogListener listener) {
		this.listeners.add(listener);
	}

	/**
	 * Instances of one service, from memory, found as go-micro's {@code GetService} finds them: by the
	 * registry directory of the name, where {@code /} became {@code -}; so {@code acc/slashed} and
	 * {@code acc-slashed} both find a service named {@code acc/slashed}. The same list object is returned
	 * until the service changes.
	 * @param serviceId the service name
	 * @return an immutable list, empty for an unknown service
	 */
	public List<ServiceInstance> getInstances(String serviceId) {
		return this.instancesByDirectory.getOrDefault(directoryOf(serviceId), List.of());
	}

	/**
	 * Names of the services in the catalog, as their values spell them (go-micro's {@code ListServices}).
	 * @return the names
	 */
	public List<String> getServices() {
		return List.copyOf(this.instances.keySet());
	}

	/**
	 * Every service, by the name its values hold, with its instances, as one consistent snapshot.
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

	/** Why etcd could last not be read, or null when in sync. */
	public String getLastError() {
		return this.lastError;
	}

	/** Keys read per listing request now: the configured page size, or less after a page was too large. */
	public int getPageSize() {
		return this.pageSize;
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
		this.executor = singleThread("etcd-catalog");
		this.notifier = singleThread("etcd-catalog-listeners");
		// the first listing is awaited, bounded, so that discovery answers as soon as the context is up
		Future<?> first = this.executor.submit(this::sync);
		try {
			first.get(this.callTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			logger.info("etcd catalog still listing; going on in the background");
		}
	}

	/**
	 * Cancels the pending listing, interrupts one under way, closes the watch and returns without waiting
	 * out etcd's timeouts.
	 */
	@Override
	public void stop() {
		this.running = false;
		this.generation.incrementAndGet();
		long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
		shutdown(this.executor, deadline);
		shutdown(this.notifier, deadline);
		closeWatcher();
	}

	private static void shutdown(ScheduledExecutorService executor, long deadline) {
		if (executor == null) {
			return;
		}
		executor.shutdownNow();
		try {
			executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
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
			Changed changed;
			synchronized (this.lock) {
				changed = replaceAll(listing.entries());
				this.revision = listing.revision();
				this.synced = true;
			}
			markFresh();
			this.attempt = 0;
			watch(gen, listing.revision() + 1);
			changed(changed.services());
			scheduleResync();
		}
		catch (InterruptedException ex) {
			// stopping
			Thread.currentThread().interrupt();
		}
		catch (Exception ex) {
			if (this.running) {
				markStale(ex);
				scheduleSync();
			}
		}
	}

	private Listing list() throws Exception {
		ByteSequence end = OptionsUtil.prefixEndOf(this.prefixBytes);
		ByteSequence from = this.prefixBytes;
		long listRevision = 0;
		int shrunkFrom = 0;
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
			GetResponse page;
			try {
				page = get(from, option.build());
			}
			catch (Exception ex) {
				if (!tooLarge(ex) || this.pageSize == 1) {
					throw ex;
				}
				shrunkFrom = (shrunkFrom != 0) ? shrunkFrom : this.pageSize;
				this.pageSize = this.pageSize / 2;
				logger.debug("Listing page of " + (this.pageSize * 2) + " keys too large; trying " + this.pageSize);
				continue;
			}
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
				if (shrunkFrom != 0) {
					logger.warn("A page of " + shrunkFrom + " registry keys exceeded the etcd client's inbound message"
							+ " limit; listing " + this.pageSize + " keys per page from now on"
							+ " (micro.etcd.max-inbound-message-size raises the limit)");
				}
				return new Listing(listRevision, listed);
			}
			byte[] last = kvs.get(kvs.size() - 1).getKey().getBytes();
			byte[] next = new byte[last.length + 1];
			System.arraycopy(last, 0, next, 0, last.length);
			from = ByteSequence.from(next);
		}
	}

	private GetResponse get(ByteSequence from, GetOption option) throws Exception {
		CompletableFuture<GetResponse> call = this.client.getKVClient().get(from, option);
		try {
			return EtcdCalls.await(call, this.callTimeout);
		}
		catch (InterruptedException ex) {
			call.cancel(true);
			throw ex;
		}
	}

	/** gRPC's RESOURCE_EXHAUSTED: the answer is larger than the client accepts. */
	private static boolean tooLarge(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof EtcdException etcd && etcd.getErrorCode() == ErrorCode.RESOURCE_EXHAUSTED) {
				return true;
			}
		}
		return Status.fromThrowable(failure).getCode() == Status.Code.RESOURCE_EXHAUSTED;
	}

	private void watch(long gen, long fromRevision) {
		WatchOption option = WatchOption.builder()
			.isPrefix(true)
			.withRevision(fromRevision)
			.withCreateNotify(true)
			// a member cut off from the quorum would otherwise keep the stream open and send nothing
			.withRequireLeader(true)
			.build();
		this.watcher = this.client.getWatchClient()
			.watch(this.prefixBytes, option, Watch.listener((response) -> onWatchResponse(gen, response),
					(error) -> onWatchError(gen, error), () -> onWatchCompleted(gen)));
	}

	/**
	 * Watches again from another revision, as jetcd does after a reconnect; lets tests reach the
	 * compaction path, which otherwise depends on timing, and miss changes on purpose.
	 */
	void resumeWatchFrom(long fromRevision) throws Exception {
		this.executor.submit(() -> {
			closeWatcher();
			watch(this.generation.incrementAndGet(), fromRevision);
		}).get(5, TimeUnit.SECONDS);
	}

	// jetcd's event loop: hand over, nothing else

	private void onWatchResponse(long gen, WatchResponse response) {
		onCatalogThread(() -> apply(gen, response));
	}

	private void onWatchError(long gen, Throwable error) {
		onCatalogThread(() -> {
			if (gen == this.generation.get() && this.running) {
				markStale(error);
				// jetcd would resume by itself, but waits silently while etcd is away: list again with our
				// backoff instead, which also tells how long the outage lasts
				restart();
			}
		});
	}

	private void onWatchCompleted(long gen) {
		onCatalogThread(() -> {
			if (gen == this.generation.get() && this.running) {
				// compaction, a halt, no leader or a future revision: jetcd gave up on this watch
				restart();
			}
		});
	}

	private void onCatalogThread(Runnable task) {
		try {
			this.executor.execute(task);
		}
		catch (RejectedExecutionException ex) {
			// stopping
		}
	}

	// the catalog's thread

	private void apply(long gen, WatchResponse response) {
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
		Changed changed = new Changed();
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
				changed.collect(previous, this.entries.get(key));
			}
			rebuild(changed);
		}
		markFresh();
		changed(changed.services());
	}

	private void restart() {
		this.watchRestarts.incrementAndGet();
		closeWatcher();
		scheduleSync();
	}

	private void scheduleSync() {
		long delay = EtcdCalls.backoffMillis(this.minBackoff, this.maxBackoff, this.attempt++);
		schedule(() -> {
			EtcdReconnect.now(this.client);
			sync();
		}, delay);
	}

	private void scheduleResync() {
		if (!this.resyncInterval.isNegative() && !this.resyncInterval.isZero()) {
			schedule(() -> {
				logger.debug("Listing the registry again, as every " + this.resyncInterval);
				sync();
			}, this.resyncInterval.toMillis());
		}
	}

	private void schedule(Runnable listing, long delayMillis) {
		if (!this.running) {
			return;
		}
		if (this.pendingSync != null) {
			this.pendingSync.cancel(false);
		}
		try {
			this.pendingSync = this.executor.schedule(listing, delayMillis, TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException ex) {
			// stopping
		}
	}

	/**
	 * Invalidates the current watch before closing it: jetcd calls onCompleted on close, which must not
	 * read as a watch that gave up.
	 */
	private void closeWatcher() {
		this.generation.incrementAndGet();
		Watch.Watcher current = this.watcher;
		this.watcher = null;
		if (current != null) {
			current.close();
		}
	}

	/** Applies a parsed PUT; a value that does not parse removes what the key held before. */
	private Entry put(String key, Entry entry) {
		if (entry == null) {
			return remove(key);
		}
		Entry previous = this.entries.put(key, entry);
		unindex(previous);
		index(entry);
		return previous;
	}

	private Entry remove(String key) {
		this.reportedBadKeys.remove(key);
		Entry previous = this.entries.remove(key);
		unindex(previous);
		return previous;
	}

	private void index(Entry entry) {
		this.keysByService.computeIfAbsent(entry.service(), (service) -> new HashSet<>()).add(entry.key());
		if (entry.directory() != null) {
			this.keysByDirectory.computeIfAbsent(entry.directory(), (directory) -> new HashSet<>()).add(entry.key());
		}
	}

	private void unindex(Entry entry) {
		if (entry == null) {
			return;
		}
		unindex(this.keysByService, entry.service(), entry.key());
		if (entry.directory() != null) {
			unindex(this.keysByDirectory, entry.directory(), entry.key());
		}
	}

	private static void unindex(Map<String, Set<String>> index, String name, String key) {
		Set<String> keys = index.get(name);
		if (keys != null && keys.remove(key) && keys.isEmpty()) {
			index.remove(name);
		}
	}

	private Changed replaceAll(Map<String, Entry> listed) {
		Changed changed = new Changed();
		Set<String> keys = new HashSet<>(this.entries.keySet());
		keys.addAll(listed.keySet());
		for (String key : keys) {
			changed.collect(this.entries.get(key), listed.get(key));
		}
		this.entries.clear();
		this.keysByService.clear();
		this.keysByDirectory.clear();
		this.entries.putAll(listed);
		listed.values().forEach(this::index);
		this.reportedBadKeys.retainAll(listed.keySet());
		rebuild(changed);
		return changed;
	}

	/** Rebuilds the lists of what changed; the others keep their list objects. */
	private void rebuild(Changed changed) {
		if (!changed.services().isEmpty()) {
			this.instances = rebuild(this.instances, changed.services(), this.keysByService);
		}
		if (!changed.directories().isEmpty()) {
			this.instancesByDirectory = rebuild(this.instancesByDirectory, changed.directories(),
					this.keysByDirectory);
		}
	}

	private Map<String, List<ServiceInstance>> rebuild(Map<String, List<ServiceInstance>> current,
			Set<String> names, Map<String, Set<String>> index) {
		Map<String, List<ServiceInstance>> next = new HashMap<>(current);
		for (String name : names) {
			TreeMap<String, ServiceInstance> byId = new TreeMap<>();
			for (String key : index.getOrDefault(name, Set.of())) {
				for (EtcdServiceInstance instance : this.entries.get(key).instances()) {
					byId.put(instance.getInstanceId(), instance);
				}
			}
			if (byId.isEmpty()) {
				next.remove(name);
			}
			else {
				next.put(name, List.copyOf(byId.values()));
			}
		}
		return Collections.unmodifiableMap(next);
	}

	private Entry parse(KeyValue kv) {
		String key = kv.getKey().toString(StandardCharsets.UTF_8);
		try {
			List<EtcdServiceInstance> parsed = CatalogEntryParser.parse(kv.getValue().getBytes());
			this.reportedBadKeys.remove(key);
			return new Entry(key, directoryOfKey(key), parsed.get(0).getServiceId(), parsed, kv.getLease());
		}
		catch (IllegalArgumentException ex) {
			this.skippedValues.incrementAndGet();
			if (this.reportedBadKeys.add(key)) {
				logger.warn("Skipping registry value under " + key + ": " + ex.getMessage());
			}
			return null;
		}
	}

	/** The first path segment under the prefix, or null for a key straight under it. */
	private String directoryOfKey(String key) {
		String rest = key.substring(this.prefix.length());
		int slash = rest.indexOf('/');
		return (slash > 0) ? rest.substring(0, slash) : null;
	}

	/** go-micro's {@code servicePath}: {@code /} in a name becomes {@code -}. */
	private static String directoryOf(String serviceId) {
		return serviceId.replace('/', '-');
	}

	/** Queues a change for listeners, who hear of it after the notification delay. */
	private void changed(Set<String> services) {
		if (services.isEmpty()) {
			return;
		}
		synchronized (this.pendingServices) {
			this.pendingServices.addAll(services);
			this.pendingRevision = this.revision;
			if (this.notificationScheduled) {
				return;
			}
			try {
				this.notifier.schedule(this::notifyListeners, this.notificationDelay.toMillis(), TimeUnit.MILLISECONDS);
				this.notificationScheduled = true;
			}
			catch (RejectedExecutionException ex) {
				// stopping
			}
		}
	}

	private void notifyListeners() {
		Set<String> services;
		long at;
		synchronized (this.pendingServices) {
			services = Set.copyOf(this.pendingServices);
			at = this.pendingRevision;
			this.pendingServices.clear();
			this.notificationScheduled = false;
		}
		this.changes.incrementAndGet();
		for (CatalogListener listener : this.listeners) {
			try {
				listener.catalogChanged(at, services);
			}
			catch (RuntimeException ex) {
				logger.warn("Catalog listener failed", ex);
			}
		}
	}

	private void markStale(Throwable error) {
		this.lastError = EtcdCalls.describe(error);
		if (this.unreachableSince == null) {
			this.unreachableSince = this.clock.instant();
			if (this.staleSince == null) {
				this.staleSince = this.unreachableSince;
			}
			logger.warn((this.synced ? "Cannot read etcd: serving the last known catalog (revision " + this.revision
					+ ") until it is back" : "Cannot read etcd: the catalog stays empty until it answers")
					+ "; retrying in the background: " + this.lastError);
		}
		else {
			logger.debug("etcd still unreachable, retrying: " + this.lastError);
		}
	}

	private void markFresh() {
		if (!this.synced) {
			return;
		}
		if (this.unreachableSince != null) {
			logger.info("etcd is back after " + Duration.between(this.unreachableSince, this.clock.instant()).toMillis() + " ms"
					+ "; catalog in sync at revision " + this.revision);
			this.unreachableSince = null;
		}
		this.staleSince = null;
		this.lastError = null;
	}

	private static ScheduledExecutorService singleThread(String name) {
		return Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, name);
			thread.setDaemon(true);
			return thread;
		});
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

	List<String> keys() {
		synchronized (this.lock) {
			return new ArrayList<>(this.entries.keySet());
		}
	}

	private record Entry(String key, String directory, String service, List<EtcdServiceInstance> instances,
			long lease) {
	}

	private record Listing(long revision, Map<String, Entry> entries) {
	}

	/** Services and key directories whose instances changed. */
	private record Changed(Set<String> services, Set<String> directories) {

		Changed() {
			this(new HashSet<>(), new HashSet<>());
		}

		void collect(Entry before, Entry after) {
			if (before == null && after == null) {
				return;
			}
			if (before != null && after != null && before.service().equals(after.service())
					&& before.instances().equals(after.instances())) {
				return;
			}
			for (Entry entry : new Entry[] { before, after }) {
				if (entry != null) {
					this.services.add(entry.service());
					if (entry.directory() != null) {
						this.directories.add(entry.directory());
					}
				}
			}
		}

	}

}
