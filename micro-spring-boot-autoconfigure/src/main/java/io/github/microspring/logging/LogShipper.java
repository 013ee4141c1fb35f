package io.github.microspring.logging;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Ships log events without ever making the logging thread wait: {@link #offer} puts the event in a bounded
 * queue and returns; one sender thread formats the events and sends them in batches, one batch in flight at a
 * time so the order holds. While the broker does not answer, the sender moves the events into the
 * {@link Spool} on disk, and ships the spool first when the broker is back, removing each record only after
 * the broker acknowledged it. An event is dropped, and counted, only when the queue or the spool is full.
 *
 * @param <E> captured log event
 */
class LogShipper<E> {

	/** Longest the sender waits for something to do, so that it notices a stop. */
	private static final long IDLE_WAIT_MILLIS = 50;

	private final HandOffQueue<E> queue;

	private final int capacity;

	private final Function<E, LogRecord> formatter;

	private final Supplier<LogSender> senderFactory;

	private final Supplier<Spool> spoolFactory;

	private final Settings settings;

	private final Clock clock;

	private final AtomicLong dropped = new AtomicLong();

	private final AtomicLong shipped = new AtomicLong();

	private final AtomicLong spooled = new AtomicLong();

	private final AtomicLong failures = new AtomicLong();

	private volatile long spoolBacklog;

	private volatile boolean running;

	private volatile Thread thread;

	private volatile Instant behindSince;

	private volatile Throwable lastError;

	private Spool spool;

	private LogSender sender;

	private List<LogRecord> batch = List.of();

	/** Records formatted while the batch before them is in flight, so the next batch goes out at once. */
	private List<LogRecord> ahead = new ArrayList<>();

	private volatile int aheadSize;

	private CompletableFuture<Integer> inflight;

	private boolean inflightSpooled;

	private long inflightSince;

	private long retryAt;

	private long backoff;

	LogShipper(int capacity, Function<E, LogRecord> formatter, Supplier<LogSender> senderFactory,
			Supplier<Spool> spoolFactory, Settings settings, Clock clock) {
		this.queue = new HandOffQueue<>(capacity);
		this.capacity = capacity;
		this.formatter = formatter;
		this.senderFactory = senderFactory;
		this.spoolFactory = spoolFactory;
		this.settings = settings;
		this.clock = clock;
	}

	/**
	 * Hands an event to the sender thread; never waits.
	 * @return whether the event was queued; when not, it was counted as dropped
	 */
	boolean offer(E event) {
		if (this.queue.offer(event)) {
			return true;
		}
		this.dropped.incrementAndGet();
		return false;
	}

	/**
	 * Whether the current thread is the sender thread, whose own logging must not come back to the shipper.
	 */
	boolean isSenderThread() {
		return Thread.currentThread() == this.thread;
	}

	synchronized void start() {
		if (this.running) {
			return;
		}
		this.spool = this.spoolFactory.get();
		this.spoolBacklog = this.spool.records();
		this.running = true;
		Thread sender = new Thread(this::run, "micro-log-shipper");
		sender.setDaemon(true);
		this.thread = sender;
		sender.start();
	}

	/**
	 * Stops taking events and ships what is left for at most the grace period; what is still unsent then stays
	 * in the spool for the next start.
	 */
	synchronized void stop() {
		Thread sender = this.thread;
		if (!this.running || sender == null) {
			return;
		}
		this.running = false;
		try {
			sender.join(this.settings.shutdownGrace().plusSeconds(5).toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	boolean isRunning() {
		return this.running;
	}

	long dropped() {
		return this.dropped.get();
	}

	long shipped() {
		return this.shipped.get();
	}

	long spooled() {
		return this.spooled.get();
	}

	long failures() {
		return this.failures.get();
	}

	/** Events queued in memory, not yet taken by the sender thread. */
	long queued() {
		return this.queue.size();
	}

	/** Events queued in memory or waiting in the spool. */
	long backlog() {
		return this.queue.size() + this.spoolBacklog + this.aheadSize;
	}

	/** Since when events wait in the spool because the broker did not take them, {@code null} when shipping. */
	Instant behindSince() {
		return this.behindSince;
	}

	Throwable lastError() {
		return this.lastError;
	}

	private void run() {
		long deadline = Long.MAX_VALUE;
		try {
			while (true) {
				if (!this.running && deadline == Long.MAX_VALUE) {
					deadline = now() + this.settings.shutdownGrace().toMillis();
				}
				if (!this.running && (isDrained() || now() >= deadline)) {
					break;
				}
				step();
			}
		}
		catch (RuntimeException | Error ex) {
			this.lastError = ex;
			throw ex;
		}
		finally {
			finish();
		}
	}

	private boolean isDrained() {
		return this.inflight == null && this.ahead.isEmpty() && this.queue.isEmpty()
				&& this.spool.isEmpty();
	}

	private void step() {
		completeInflight();
		long now = now();
		if (this.inflight != null && !this.inflightSpooled && (now - this.inflightSince > this.settings.spoolAfter()
				.toMillis() || this.queue.remainingCapacity() < this.capacity / 2)) {
			spoolInflight();
		}
		boolean sendingDirectly = this.inflight != null && !this.inflightSpooled;
		if (sendingDirectly) {
			formatAhead();
		}
		else if (!sendingDirectly && (!this.spool.isEmpty() || this.inflight != null || now < this.retryAt)) {
			moveQueueToSpool();
		}
		if (this.inflight == null && now >= this.retryAt) {
			startSend();
		}
		awaitSomething();
	}

	private void completeInflight() {
		if (this.inflight == null || !this.inflight.isDone()) {
			return;
		}
		int acknowledged;
		try {
			acknowledged = this.inflight.getNow(0);
		}
		catch (RuntimeException ex) {
			this.lastError = (ex.getCause() != null) ? ex.getCause() : ex;
			acknowledged = 0;
		}
		this.inflight = null;
		List<LogRecord> delivered = this.batch.subList(0, acknowledged);
		this.shipped.addAndGet(acknowledged);
		if (this.inflightSpooled) {
			this.spool.remove(delivered);
			this.spoolBacklog = this.spool.records();
		}
		if (acknowledged < this.batch.size()) {
			this.failures.incrementAndGet();
			if (!this.inflightSpooled) {
				// the spool is empty while sending directly, so the rest goes to its head, before anything newer
				spoolAll(this.batch.subList(acknowledged, this.batch.size()));
				spoolAhead();
			}
			this.backoff = (this.backoff == 0) ? this.settings.retryBackoff().toMillis()
					: Math.min(this.backoff * 2, this.settings.maxRetryBackoff().toMillis());
			this.retryAt = now() + this.backoff;
			if (this.behindSince == null) {
				this.behindSince = this.clock.instant();
			}
		}
		else {
			this.backoff = 0;
			this.retryAt = 0;
			if (this.spool.isEmpty()) {
				this.behindSince = null;
			}
		}
		this.batch = List.of();
	}

	/**
	 * The broker is slow to answer a batch sent directly: put the batch at the head of the spool, so newer
	 * events can go to the spool behind it instead of filling the queue. The records leave the spool when the
	 * batch is acknowledged.
	 */
	private void spoolInflight() {
		if (this.spool.bytes() > 0 || !this.spool.fits(this.batch)) {
			// cannot hold the whole batch at its head: keep waiting for the broker's answer rather than lose order
			return;
		}
		for (LogRecord record : this.batch) {
			this.spool.append(record.key(), record.value());
		}
		this.spooled.addAndGet(this.batch.size());
		this.spoolBacklog = this.spool.records();
		this.inflightSpooled = true;
		spoolAhead();
		if (this.behindSince == null) {
			this.behindSince = this.clock.instant();
		}
	}

	/**
	 * Formats queued events while the batch before them is in flight, beyond one batch: a sender that stopped at
	 * one batch would sit idle until the broker answers while the queue fills, and a queue more than half full
	 * sends everything through the spool. Bounded by half the queue's capacity, so at most one and a half times
	 * the capacity is held in memory. One batch at a time, so an answer from the broker is not left waiting.
	 */
	private void formatAhead() {
		int room = Math.min(this.settings.batchSize(), aheadLimit() - this.ahead.size());
		if (room <= 0) {
			return;
		}
		for (E event : drain(room)) {
			LogRecord record = format(event);
			if (record != null) {
				this.ahead.add(record);
			}
		}
		this.aheadSize = this.ahead.size();
	}

	private int aheadLimit() {
		return Math.max(this.settings.batchSize(), this.capacity / 2);
	}

	private void spoolAhead() {
		if (!this.ahead.isEmpty()) {
			spoolAll(this.ahead);
			this.ahead = new ArrayList<>();
			this.aheadSize = 0;
		}
	}

	private void moveQueueToSpool() {
		spoolAhead();
		List<E> events = drain(Integer.MAX_VALUE);
		if (events.isEmpty()) {
			return;
		}
		List<LogRecord> records = new ArrayList<>(events.size());
		for (E event : events) {
			LogRecord record = format(event);
			if (record != null) {
				records.add(record);
			}
		}
		spoolAll(records);
	}

	private void spoolAll(List<LogRecord> records) {
		for (LogRecord record : records) {
			if (this.spool.append(record.key(), record.value())) {
				this.spooled.incrementAndGet();
			}
			else {
				this.dropped.incrementAndGet();
			}
		}
		this.spool.flush();
		this.spoolBacklog = this.spool.records();
		if (!this.spool.isEmpty() && this.behindSince == null) {
			this.behindSince = this.clock.instant();
		}
	}

	private void startSend() {
		if (!this.spool.isEmpty()) {
			this.batch = this.spool.peek(this.settings.batchSize());
			this.inflightSpooled = true;
		}
		else {
			formatAhead();
			int size = Math.min(this.ahead.size(), this.settings.batchSize());
			if (size == this.ahead.size()) {
				this.batch = this.ahead;
				this.ahead = new ArrayList<>();
			}
			else {
				List<LogRecord> first = this.ahead.subList(0, size);
				this.batch = new ArrayList<>(first);
				first.clear();
			}
			this.aheadSize = this.ahead.size();
			this.inflightSpooled = false;
		}
		if (this.batch.isEmpty()) {
			return;
		}
		this.inflightSince = now();
		this.inflight = send(this.batch);
	}

	private CompletableFuture<Integer> send(List<LogRecord> records) {
		try {
			if (this.sender == null) {
				// created here, on the sender thread, so that neither startup nor a logging call waits for it
				this.sender = this.senderFactory.get();
			}
			return this.sender.send(records);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	private void awaitSomething() {
		try {
			if (this.inflight != null) {
				if (!this.inflightSpooled && this.ahead.size() < aheadLimit() && !this.queue.isEmpty()) {
					// more to format while the broker answers
					return;
				}
				this.inflight.get(5, TimeUnit.MILLISECONDS);
			}
			else if (this.queue.isEmpty()) {
				long wait = (this.retryAt > 0) ? Math.max(1, Math.min(IDLE_WAIT_MILLIS, this.retryAt - now()))
						: IDLE_WAIT_MILLIS;
				this.queue.await(TimeUnit.MILLISECONDS.toNanos(wait));
				if (Thread.currentThread().isInterrupted()) {
					this.running = false;
				}
			}
		}
		catch (TimeoutException | ExecutionException ex) {
			// the batch is still in flight, or failed: the next step looks at it
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.running = false;
		}
	}

	/**
	 * Takes up to {@code max} events in order.
	 */
	private List<E> drain(int max) {
		List<E> events = new ArrayList<>(Math.min(max, Math.max(16, this.queue.size())));
		this.queue.drainTo(events, max);
		return events;
	}

	private LogRecord format(E event) {
		try {
			return this.formatter.apply(event);
		}
		catch (RuntimeException ex) {
			this.lastError = ex;
			this.dropped.incrementAndGet();
			return null;
		}
	}

	private void finish() {
		try {
			if (this.inflight != null) {
				completeInflight();
				if (this.inflight != null && !this.inflightSpooled) {
					// not acknowledged in time: keep it; if the broker did take it, the consumer sees a duplicate
					spoolAll(this.batch);
				}
			}
			moveQueueToSpool();
			this.spool.flush();
		}
		finally {
			if (this.sender != null) {
				this.sender.close(this.settings.closeTimeout());
			}
			this.spool.close();
			this.running = false;
		}
	}

	private long now() {
		return this.clock.millis();
	}

	/**
	 * How the sender batches, retries and stops.
	 * @param batchSize most records in one batch
	 * @param spoolAfter how long a batch may wait for the broker before newer events go to the spool
	 * @param retryBackoff first wait before sending again after a failed batch, doubled up to
	 * {@code maxRetryBackoff}
	 * @param maxRetryBackoff longest wait between attempts
	 * @param shutdownGrace how long stopping keeps shipping what is left
	 * @param closeTimeout how long closing the sender may wait for what is in flight
	 */
	record Settings(int batchSize, Duration spoolAfter, Duration retryBackoff, Duration maxRetryBackoff,
			Duration shutdownGrace, Duration closeTimeout) {

	}

}
