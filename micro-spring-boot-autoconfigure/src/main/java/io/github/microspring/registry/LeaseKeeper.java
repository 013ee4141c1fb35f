package io.github.microspring.registry;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.microspring.etcd.EtcdCalls;
import io.github.microspring.etcd.EtcdReconnect;
import io.github.microspring.registry.RegisteredKeyView.Presence;

/**
 * Keeps one registry key alive under a lease: grants the lease, puts the key, renews the lease through
 * jetcd's keep-alive stream (one stream per process), and when the lease is lost grants a new one and
 * puts the same key again. Every {@code registerInterval} it checks that the key is still attached to
 * its lease and repairs it if not, unless another instance holds the key: then it gives the key up and
 * says so. All state changes run on one thread.
 */
final class LeaseKeeper {

	private static final Log logger = LogFactory.getLog(LeaseKeeper.class);

	private static final Duration FIRST_RETRY = Duration.ofMillis(100);

	/**
	 * Longest wait on stop, for the attempt under way to give up and for the lease revoke: an instance
	 * whose revoke does not get through leaves etcd when its lease expires anyway.
	 */
	private static final Duration STOP_LIMIT = Duration.ofSeconds(1);

	/**
	 * Leases given up on while their grant or put was still under way; a key found under one of them is
	 * a late write of ours, not another instance's.
	 */
	private static final int ABANDONED_LEASES_KEPT = 64;

	enum State {

		/** Not started, or stopped. */
		STOPPED,

		/** First attempt under way. */
		REGISTERING,

		/** Key present under a live lease. */
		REGISTERED,

		/** Attempts failed; retrying with backoff. */
		RETRYING,

		/** Another instance holds our key (same node id); we gave the key up. */
		CONFLICT

	}

	private final Client client;

	private final String key;

	private final ByteSequence keyBytes;

	private final ByteSequence value;

	private final String address;

	private final Duration leaseTtl;

	private final Duration registerInterval;

	private final Duration callTimeout;

	private final Supplier<RegisteredKeyView> view;

	private final Clock clock;

	private final ScheduledExecutorService executor;

	private final AtomicLong renewals = new AtomicLong();

	private final AtomicLong registrations = new AtomicLong();

	private final AtomicLong failures = new AtomicLong();

	private final Set<Long> abandonedLeases = Collections.synchronizedSet(Collections
		.newSetFromMap(new LinkedHashMap<>(16, 0.75f, false) {

			@Override
			protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
				return size() > ABANDONED_LEASES_KEPT;
			}

		}));

	private volatile State state = State.STOPPED;

	private volatile boolean stopping;

	private volatile long leaseId;

	private volatile Instant leaseDeadline = Instant.MIN;

	private volatile Throwable lastError;

	private volatile Instant stateSince;

	private volatile Instant unreachableSince;

	private volatile String conflictingAddress;

	private volatile CloseableClient keepAlive;

	private ScheduledFuture<?> periodicCheck;

	private ScheduledFuture<?> retry;

	private int attempt;

	private String lostLease;

	LeaseKeeper(Client client, String key, ServiceRecord record, Duration leaseTtl, Duration registerInterval,
			Duration callTimeout, Supplier<RegisteredKeyView> view, Clock clock, ScheduledExecutorService executor) {
		this.client = client;
		this.key = key;
		this.keyBytes = ByteSequence.from(key.getBytes(StandardCharsets.UTF_8));
		this.value = ByteSequence.from(RegistryCodec.encode(record));
		this.address = record.nodes().get(0).address();
		this.leaseTtl = leaseTtl;
		this.registerInterval = registerInterval;
		this.callTimeout = callTimeout;
		this.view = view;
		this.clock = clock;
		this.executor = executor;
		this.stateSince = clock.instant();
	}

	void start() {
		this.executor.execute(() -> {
			if (this.state != State.STOPPED || this.stopping) {
				return;
			}
			setState(State.REGISTERING);
			register();
			long interval = this.registerInterval.toMillis();
			this.periodicCheck = this.executor.scheduleWithFixedDelay(this::check, interval, interval,
					TimeUnit.MILLISECONDS);
		});
	}

	/**
	 * Stops renewing and revokes the lease, so the key leaves etcd now rather than after the TTL. Returns
	 * within about twice {@link #STOP_LIMIT} whatever etcd does, and runs nothing afterwards: the caller
	 * may close the client next.
	 */
	void stop() {
		this.stopping = true;
		// drops the scheduled check and retry, and interrupts an attempt that waits for etcd
		this.executor.shutdownNow();
		try {
			if (!this.executor.awaitTermination(STOP_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
				logger.debug("Registration thread of " + this.key + " did not end in time");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		closeKeepAlive();
		State previous = this.state;
		setState(State.STOPPED);
		if (previous == State.REGISTERED) {
			long lease = this.leaseId;
			try {
				EtcdCalls.await(this.client.getLeaseClient().revoke(lease), revokeLimit());
			}
			catch (Exception ex) {
				logger.info("Could not revoke lease " + Long.toHexString(lease) + " of " + this.key
						+ "; the key leaves etcd when the lease expires: " + describe(ex));
			}
		}
	}

	private void register() {
		if (this.stopping) {
			return;
		}
		closeKeepAlive();
		try {
			long lease = EtcdCalls
				.await(this.client.getLeaseClient().grant(ttlSeconds()), this.callTimeout,
						(late) -> revokeAbandoned(late.getID(), "granted after we gave up waiting"))
				.getID();
			try {
				EtcdCalls.await(put(lease), this.callTimeout,
						(late) -> revokeAbandoned(lease, "our key was put under it after we gave up waiting"));
			}
			catch (Exception ex) {
				revokeAbandoned(lease, "putting our key under it failed");
				throw ex;
			}
			registered(lease);
		}
		catch (Exception ex) {
			if (this.stopping) {
				return;
			}
			this.failures.incrementAndGet();
			failed("register", ex);
			if (this.state != State.RETRYING) {
				setState(State.RETRYING);
			}
			scheduleRetry();
		}
	}

	private void registered(long lease) {
		this.leaseId = lease;
		this.leaseDeadline = this.clock.instant().plus(this.leaseTtl);
		this.keepAlive = this.client.getLeaseClient().keepAlive(lease, new KeepAliveObserver(lease));
		this.attempt = 0;
		long count = this.registrations.incrementAndGet();
		setState(State.REGISTERED);
		this.lastError = null;
		Instant unreachable = this.unreachableSince;
		String lost = this.lostLease;
		this.unreachableSince = null;
		this.lostLease = null;
		String registered = "Registered " + this.key + ((count == 1) ? "" : " again") + " under lease "
				+ Long.toHexString(lease);
		if (unreachable != null) {
			logger.info(registered + " after " + since(unreachable) + " without etcd");
		}
		else if (lost != null) {
			logger.warn("Lease " + lost + "; " + registered);
		}
		else {
			logger.info(registered);
		}
	}

	/**
	 * One WARN when etcd stops answering, with the reason; every further failure of the same outage at
	 * DEBUG, so that a long outage does not flood the log.
	 */
	private void failed(String what, Exception ex) {
		this.lastError = ex;
		if (this.unreachableSince == null) {
			this.unreachableSince = this.clock.instant();
			String lost = (this.lostLease != null) ? " (lease " + this.lostLease + ")" : "";
			logger.warn("Cannot " + what + " " + this.key + " in etcd" + lost
					+ ", retrying in the background: " + describe(ex));
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Still cannot " + what + " " + this.key + " in etcd after " + since(this.unreachableSince)
					+ ": " + describe(ex));
		}
	}

	private void scheduleRetry() {
		cancel(this.retry);
		long delay = EtcdCalls.backoffMillis(FIRST_RETRY, this.registerInterval, this.attempt++);
		this.retry = this.executor.schedule(() -> {
			EtcdReconnect.now(this.client);
			register();
		}, delay, TimeUnit.MILLISECONDS);
	}

	private void check() {
		if (this.state != State.REGISTERED || this.stopping) {
			return;
		}
		if (this.clock.instant().isAfter(this.leaseDeadline)) {
			leaseLost("its deadline passed without renewal");
			return;
		}
		if (this.unreachableSince != null) {
			// the lease may outlive a short outage: this check is then the retry
			EtcdReconnect.now(this.client);
		}
		RegisteredKeyView keyView = this.view.get();
		Presence presence = (keyView != null) ? keyView.presence(this.key, this.leaseId) : Presence.UNKNOWN;
		try {
			if (presence != Presence.PRESENT) {
				repair(current());
			}
			if (this.state == State.REGISTERED) {
				answered();
			}
		}
		catch (Exception ex) {
			if (this.stopping) {
				return;
			}
			if (isLeaseNotFound(ex)) {
				leaseLost("etcd no longer knows it");
			}
			else {
				failed("check", ex);
			}
		}
	}

	private void repair(KeyValue current) throws Exception {
		if (current != null && current.getLease() == this.leaseId) {
			return;
		}
		if (current != null && !this.abandonedLeases.contains(current.getLease())) {
			conflict(current);
			return;
		}
		logger.warn("Registry key " + this.key + " is missing; putting it again");
		EtcdCalls.await(put(this.leaseId), this.callTimeout);
		this.registrations.incrementAndGet();
	}

	private void answered() {
		Instant unreachable = this.unreachableSince;
		if (unreachable != null) {
			this.unreachableSince = null;
			this.lastError = null;
			logger.info("etcd answers again after " + since(unreachable) + "; " + this.key
					+ " is still registered under lease " + Long.toHexString(this.leaseId));
		}
	}

	/**
	 * Two processes with one node id would otherwise put the key in turn forever, each put a change for
	 * every watcher. The instance that finds the other's key yields, so the key settles on one of them.
	 */
	private void conflict(KeyValue current) {
		String theirs = addressIn(current);
		this.conflictingAddress = theirs;
		setState(State.CONFLICT);
		cancel(this.periodicCheck);
		cancel(this.retry);
		closeKeepAlive();
		revokeAbandoned(this.leaseId, "another instance holds our key");
		logger.error("Registry key " + this.key + " is held by another instance at " + theirs + " (lease "
				+ Long.toHexString(current.getLease()) + "); this instance at " + this.address
				+ " stops registering. Give every instance of a service its own micro.registry.node-id");
	}

	private static String addressIn(KeyValue kv) {
		try {
			return RegistryCodec.decode(kv.getValue().getBytes()).nodes().get(0).address();
		}
		catch (RuntimeException ex) {
			return "an unreadable value";
		}
	}

	private KeyValue current() throws Exception {
		var response = EtcdCalls.await(this.client.getKVClient().get(this.keyBytes), this.callTimeout);
		return response.getKvs().isEmpty() ? null : response.getKvs().get(0);
	}

	private void leaseLost(String why) {
		if (this.state != State.REGISTERED) {
			return;
		}
		long lost = this.leaseId;
		this.lostLease = Long.toHexString(lost) + " of " + this.key + " lost (" + why + ")";
		if (this.unreachableSince != null) {
			logger.debug("Lease " + this.lostLease + "; registering again under the same node id");
		}
		// a lease we think lost may live on in etcd (a late clock, a renewal we missed): no longer ours
		revokeAbandoned(lost, "replaced");
		setState(State.RETRYING);
		register();
	}

	private CompletableFuture<PutResponse> put(long lease) {
		return this.client.getKVClient()
			.put(this.keyBytes, this.value, PutOption.builder().withLeaseId(lease).build());
	}

	/**
	 * Revokes, without waiting, a lease we no longer use: its keys leave etcd now rather than after the
	 * TTL. Runs on jetcd's event loop when called for a late answer.
	 */
	private void revokeAbandoned(long lease, String why) {
		this.abandonedLeases.add(lease);
		try {
			this.client.getLeaseClient().revoke(lease).whenComplete((revoked, ex) -> {
				if (logger.isDebugEnabled()) {
					logger.debug(((ex != null) ? "Could not revoke" : "Revoked") + " abandoned lease "
							+ Long.toHexString(lease) + " of " + this.key + " (" + why + ")"
							+ ((ex != null) ? ": " + describe(ex) : ""));
				}
			});
		}
		catch (RuntimeException ex) {
			// the client is closed: the lease expires after its TTL
			logger.debug("Could not revoke abandoned lease " + Long.toHexString(lease) + ": " + describe(ex));
		}
	}

	private void closeKeepAlive() {
		CloseableClient current = this.keepAlive;
		if (current != null) {
			this.keepAlive = null;
			current.close();
		}
	}

	private Duration revokeLimit() {
		return (this.callTimeout.compareTo(STOP_LIMIT) < 0) ? this.callTimeout : STOP_LIMIT;
	}

	private long ttlSeconds() {
		return Math.max(1, (this.leaseTtl.toMillis() + 999) / 1000);
	}

	private String since(Instant start) {
		return Duration.between(start, this.clock.instant()).toSeconds() + " s";
	}

	private void setState(State state) {
		this.state = state;
		this.stateSince = this.clock.instant();
	}

	private static void cancel(ScheduledFuture<?> future) {
		if (future != null) {
			future.cancel(false);
		}
	}

	private static boolean isLeaseNotFound(Throwable ex) {
		return ex instanceof EtcdException etcd && (etcd.getErrorCode() == ErrorCode.NOT_FOUND
				|| String.valueOf(etcd.getMessage()).contains("lease not found"));
	}

	private static String describe(Throwable ex) {
		return EtcdCalls.describe(ex);
	}

	String key() {
		return this.key;
	}

	String address() {
		return this.address;
	}

	State state() {
		return this.state;
	}

	Instant stateSince() {
		return this.stateSince;
	}

	long leaseId() {
		return this.leaseId;
	}

	Throwable lastError() {
		return this.lastError;
	}

	Instant unreachableSince() {
		return this.unreachableSince;
	}

	String conflictingAddress() {
		return this.conflictingAddress;
	}

	long renewals() {
		return this.renewals.get();
	}

	long registrations() {
		return this.registrations.get();
	}

	long failures() {
		return this.failures.get();
	}

	/**
	 * Listens to the keep-alive stream of one lease; ignores a lease we already replaced.
	 */
	private final class KeepAliveObserver implements StreamObserver<LeaseKeepAliveResponse> {

		private final long lease;

		KeepAliveObserver(long lease) {
			this.lease = lease;
		}

		@Override
		public void onNext(LeaseKeepAliveResponse response) {
			LeaseKeeper.this.renewals.incrementAndGet();
			if (this.lease == LeaseKeeper.this.leaseId) {
				LeaseKeeper.this.leaseDeadline = LeaseKeeper.this.clock.instant()
					.plusSeconds(response.getTTL());
			}
		}

		@Override
		public void onError(Throwable error) {
			// jetcd reports stream breaks here too and reconnects by itself; only a lost lease needs us
			if (isLeaseNotFound(error)) {
				onLost("etcd no longer knows it");
			}
		}

		@Override
		public void onCompleted() {
			onLost("no renewal before its deadline");
		}

		private void onLost(String why) {
			try {
				LeaseKeeper.this.executor.execute(() -> {
					if (this.lease == LeaseKeeper.this.leaseId) {
						leaseLost(why);
					}
				});
			}
			catch (RejectedExecutionException ex) {
				// stopped meanwhile: nothing to keep
			}
		}

	}

}
