package io.github.microspring.registry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.microspring.etcd.EtcdCalls;
import io.github.microspring.registry.RegisteredKeyView.Presence;

/**
 * Keeps one registry key alive under a lease: grants the lease, puts the key, renews the lease through
 * jetcd's keep-alive stream (one stream per process), and when the lease is lost grants a new one and
 * puts the same key again. Every {@code registerInterval} it checks that the key is still attached to
 * its lease and repairs it if not. All state changes run on one thread.
 */
final class LeaseKeeper {

	private static final Log logger = LogFactory.getLog(LeaseKeeper.class);

	private static final Duration FIRST_RETRY = Duration.ofMillis(100);

	enum State {

		/** Not started, or stopped. */
		STOPPED,

		/** First attempt under way. */
		REGISTERING,

		/** Key present under a live lease. */
		REGISTERED,

		/** Attempts failed; retrying with backoff. */
		RETRYING

	}

	private final Client client;

	private final String key;

	private final ByteSequence keyBytes;

	private final ByteSequence value;

	private final Duration leaseTtl;

	private final Duration registerInterval;

	private final Duration callTimeout;

	private final Supplier<RegisteredKeyView> view;

	private final Clock clock;

	private final ScheduledExecutorService executor;

	private final AtomicLong renewals = new AtomicLong();

	private final AtomicLong registrations = new AtomicLong();

	private final AtomicLong failures = new AtomicLong();

	private volatile State state = State.STOPPED;

	private volatile long leaseId;

	private volatile Instant leaseDeadline = Instant.MIN;

	private volatile Throwable lastError;

	private volatile Instant stateSince;

	private CloseableClient keepAlive;

	private ScheduledFuture<?> periodicCheck;

	private ScheduledFuture<?> retry;

	private int attempt;

	LeaseKeeper(Client client, String key, byte[] value, Duration leaseTtl, Duration registerInterval,
			Duration callTimeout, Supplier<RegisteredKeyView> view, Clock clock, ScheduledExecutorService executor) {
		this.client = client;
		this.key = key;
		this.keyBytes = ByteSequence.from(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
		this.value = ByteSequence.from(value);
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
			if (this.state != State.STOPPED) {
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
	 * Stops renewing and revokes the lease, so the key leaves etcd now rather than after the TTL.
	 */
	void stop() {
		CompletableFuture<Void> stopped = new CompletableFuture<>();
		this.executor.execute(() -> {
			try {
				State previous = this.state;
				setState(State.STOPPED);
				cancel(this.periodicCheck);
				cancel(this.retry);
				closeKeepAlive();
				if (previous == State.REGISTERED) {
					revoke(this.leaseId);
				}
			}
			finally {
				stopped.complete(null);
				this.executor.shutdown();
			}
		});
		try {
			stopped.get(this.callTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			logger.warn("Could not revoke lease of " + this.key + " in time; it expires after its TTL");
		}
	}

	private void register() {
		if (this.state == State.STOPPED) {
			return;
		}
		closeKeepAlive();
		long newLease = 0;
		try {
			newLease = EtcdCalls.await(this.client.getLeaseClient().grant(ttlSeconds()), this.callTimeout).getID();
			EtcdCalls.await(this.client.getKVClient()
				.put(this.keyBytes, this.value, PutOption.builder().withLeaseId(newLease).build()), this.callTimeout);
			this.leaseId = newLease;
			this.leaseDeadline = this.clock.instant().plus(this.leaseTtl);
			this.keepAlive = this.client.getLeaseClient().keepAlive(newLease, new KeepAliveObserver(newLease));
			this.attempt = 0;
			long count = this.registrations.incrementAndGet();
			setState(State.REGISTERED);
			this.lastError = null;
			if (count == 1) {
				logger.info("Registered " + this.key + " under lease " + Long.toHexString(newLease));
			}
			else {
				logger.warn("Registered " + this.key + " again under new lease " + Long.toHexString(newLease));
			}
		}
		catch (Exception ex) {
			if (newLease != 0) {
				revoke(newLease);
			}
			this.failures.incrementAndGet();
			this.lastError = ex;
			if (this.state != State.RETRYING) {
				setState(State.RETRYING);
				logger.warn("Cannot register " + this.key + " in etcd, retrying in the background: " + describe(ex));
			}
			scheduleRetry();
		}
	}

	private void scheduleRetry() {
		cancel(this.retry);
		long delay = EtcdCalls.backoffMillis(FIRST_RETRY, this.registerInterval, this.attempt++);
		this.retry = this.executor.schedule(this::register, delay, TimeUnit.MILLISECONDS);
	}

	private void check() {
		if (this.state != State.REGISTERED) {
			return;
		}
		if (this.clock.instant().isAfter(this.leaseDeadline)) {
			leaseLost("its deadline passed without renewal");
			return;
		}
		RegisteredKeyView keyView = this.view.get();
		Presence presence = (keyView != null) ? keyView.presence(this.key, this.leaseId) : Presence.UNKNOWN;
		if (presence == Presence.PRESENT) {
			return;
		}
		try {
			if (presence == Presence.UNKNOWN && isAttached()) {
				return;
			}
			logger.warn("Registry key " + this.key + " is missing; putting it again");
			EtcdCalls.await(this.client.getKVClient()
				.put(this.keyBytes, this.value, PutOption.builder().withLeaseId(this.leaseId).build()), this.callTimeout);
			this.registrations.incrementAndGet();
		}
		catch (Exception ex) {
			if (isLeaseNotFound(ex)) {
				leaseLost("etcd no longer knows it");
			}
			else {
				this.lastError = ex;
				logger.debug("Registry check of " + this.key + " failed: " + describe(ex));
			}
		}
	}

	private boolean isAttached() throws Exception {
		var response = EtcdCalls.await(this.client.getKVClient().get(this.keyBytes), this.callTimeout);
		for (KeyValue kv : response.getKvs()) {
			if (kv.getLease() == this.leaseId) {
				return true;
			}
		}
		return false;
	}

	private void leaseLost(String why) {
		if (this.state != State.REGISTERED) {
			return;
		}
		logger.warn("Lease " + Long.toHexString(this.leaseId) + " of " + this.key + " lost (" + why
				+ "); registering again under the same node id");
		setState(State.RETRYING);
		register();
	}

	private void revoke(long lease) {
		try {
			EtcdCalls.await(this.client.getLeaseClient().revoke(lease), this.callTimeout);
		}
		catch (Exception ex) {
			logger.debug("Could not revoke lease " + Long.toHexString(lease) + ": " + describe(ex));
		}
	}

	private void closeKeepAlive() {
		if (this.keepAlive != null) {
			this.keepAlive.close();
			this.keepAlive = null;
		}
	}

	private long ttlSeconds() {
		return Math.max(1, (this.leaseTtl.toMillis() + 999) / 1000);
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
