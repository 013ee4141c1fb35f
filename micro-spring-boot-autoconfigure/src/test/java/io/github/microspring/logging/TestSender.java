package io.github.microspring.logging;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A broker stand-in for the shipper's unit tests: up (acknowledges everything), down (fails every batch), or
 * hanging (answers nothing until released).
 */
class TestSender implements LogSender {

	enum Mode {

		UP, DOWN, HANGING

	}

	private volatile Mode mode = Mode.UP;

	private volatile int acknowledgeAtMost = Integer.MAX_VALUE;

	private final List<String> received = new CopyOnWriteArrayList<>();

	private final List<Runnable> hanging = new CopyOnWriteArrayList<>();

	volatile int batches;

	volatile boolean closed;

	void mode(Mode mode) {
		this.mode = mode;
	}

	/** Acknowledges only the first {@code count} records of the next batch, as when the broker fails mid-batch. */
	void acknowledgeAtMost(int count) {
		this.acknowledgeAtMost = count;
	}

	void release() {
		this.mode = Mode.UP;
		List<Runnable> waiting = new ArrayList<>(this.hanging);
		this.hanging.clear();
		waiting.forEach(Runnable::run);
	}

	List<String> received() {
		return this.received;
	}

	@Override
	public CompletableFuture<Integer> send(List<LogRecord> records) {
		this.batches++;
		List<LogRecord> copy = List.copyOf(records);
		return switch (this.mode) {
			case UP -> CompletableFuture.completedFuture(deliver(copy));
			case DOWN -> CompletableFuture.completedFuture(0);
			case HANGING -> {
				CompletableFuture<Integer> answer = new CompletableFuture<>();
				this.hanging.add(() -> answer.complete(deliver(copy)));
				yield answer;
			}
		};
	}

	private int deliver(List<LogRecord> records) {
		int count = Math.min(records.size(), this.acknowledgeAtMost);
		this.acknowledgeAtMost = Integer.MAX_VALUE;
		for (LogRecord record : records.subList(0, count)) {
			this.received.add(new String(record.value(), StandardCharsets.UTF_8));
		}
		return count;
	}

	@Override
	public void close(Duration timeout) {
		this.closed = true;
	}

}
