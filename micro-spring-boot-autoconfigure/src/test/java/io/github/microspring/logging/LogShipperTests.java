package io.github.microspring.logging;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LogShipperTests {

	@TempDir
	Path directory;

	private final TestSender sender = new TestSender();

	private LogShipper<String> shipper;

	@AfterEach
	void stop() {
		if (this.shipper != null) {
			this.shipper.stop();
		}
	}

	@Test
	void shipsEveryEventInOrderWhileTheBrokerTakesThem() {
		this.shipper = start(8192, 1024 * 1024);
		offer(0, 5000);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.sender.received().size() == 5000);
		assertSame(this.sender.received(), events(0, 5000));
		assertThat(this.shipper.shipped()).isEqualTo(5000);
		assertThat(this.shipper.spooled()).isZero();
		assertThat(this.shipper.dropped()).isZero();
	}

	@Test
	void spoolsWhileTheBrokerIsDownAndShipsTheSpoolFirstInOrderWhenItIsBack() {
		this.sender.mode(TestSender.Mode.DOWN);
		this.shipper = start(256, 1024 * 1024);
		for (int i = 0; i < 3000; i += 100) {
			offer(i, i + 100);
			// the queue holds 256: pace the producer as a logging application would, so none is dropped
			int shippedOrSpooled = i + 100;
			await().atMost(Duration.ofSeconds(30)).until(() -> this.shipper.spooled() >= shippedOrSpooled);
		}
		assertThat(this.shipper.backlog()).isEqualTo(3000);
		assertThat(this.shipper.behindSince()).isNotNull();
		this.sender.mode(TestSender.Mode.UP);
		offer(3000, 3100);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.sender.received().size() == 3100);
		assertSame(this.sender.received(), events(0, 3100));
		assertThat(this.shipper.dropped()).isZero();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.shipper.behindSince() == null);
		assertThat(this.shipper.backlog()).isZero();
	}

	@Test
	void loggingNeverWaitsForAHangingBrokerAndItsEventsGoToTheSpool() {
		this.sender.mode(TestSender.Mode.HANGING);
		this.shipper = start(100_000, 64 * 1024 * 1024);
		long started = System.nanoTime();
		offer(0, 50_000);
		long tookMillis = (System.nanoTime() - started) / 1_000_000;
		assertThat(this.shipper.dropped()).isZero();
		// everything after the batch waiting for the broker goes to disk
		await().atMost(Duration.ofSeconds(30)).until(() -> this.shipper.spooled() == 50_000);
		assertThat(tookMillis).as("50,000 offers took %d ms", tookMillis).isLessThan(10_000);
		this.sender.release();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.sender.received().size() >= 50_000);
		assertSame(this.sender.received(), events(0, 50_000));
		await().atMost(Duration.ofSeconds(10)).until(() -> this.shipper.backlog() == 0);
	}

	@Test
	void dropsOnlyWhatTheFullSpoolCannotHoldAndCountsItExactly() {
		this.sender.mode(TestSender.Mode.DOWN);
		// each record takes 12 + 1 + 10 bytes; room for 100
		this.shipper = start(100_000, 2300);
		List<String> events = IntStream.range(0, 250).mapToObj((i) -> String.format("event-%04d", i)).toList();
		events.forEach(this.shipper::offer);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.shipper.spooled() + this.shipper.dropped() == 250);
		assertThat(this.shipper.spooled()).isEqualTo(100);
		assertThat(this.shipper.dropped()).isEqualTo(150);
		this.sender.mode(TestSender.Mode.UP);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.shipper.shipped() == 100);
		assertSame(this.sender.received(), events.subList(0, 100));
		assertThat(this.shipper.shipped() + this.shipper.dropped()).isEqualTo(250);
	}

	@Test
	void sendsAgainOnlyWhatTheBrokerDidNotAcknowledge() {
		this.sender.mode(TestSender.Mode.DOWN);
		this.shipper = start(1024, 1024 * 1024);
		offer(0, 100);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.shipper.spooled() == 100);
		this.sender.acknowledgeAtMost(30);
		this.sender.mode(TestSender.Mode.UP);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.sender.received().size() == 100);
		assertSame(this.sender.received(), events(0, 100));
		assertThat(this.shipper.failures()).isGreaterThanOrEqualTo(1);
	}

	@Test
	void stopKeepsWhatCouldNotBeShippedForTheNextStart() {
		this.sender.mode(TestSender.Mode.DOWN);
		LogShipper<String> first = start(1024, 1024 * 1024);
		offer(first, 0, 500);
		await().atMost(Duration.ofSeconds(30)).until(() -> first.spooled() == 500);
		first.stop();
		assertThat(this.sender.closed).isTrue();
		assertThat(first.shipped()).isZero();
		TestSender next = new TestSender();
		this.shipper = new LogShipper<>(1024, LogShipperTests::record, () -> next,
				() -> Spool.open(this.directory, 1024 * 1024), settings(), Clock.systemUTC());
		this.shipper.start();
		offer(500, 600);
		await().atMost(Duration.ofSeconds(30)).until(() -> next.received().size() == 600);
		assertSame(next.received(), events(0, 600));
	}

	@Test
	void stopShipsWhatIsLeftWithinTheGracePeriod() {
		this.sender.mode(TestSender.Mode.HANGING);
		LogShipper<String> shipper = start(100_000, 1024 * 1024);
		offer(shipper, 0, 1000);
		await().atMost(Duration.ofSeconds(30)).until(() -> shipper.spooled() >= 900);
		this.sender.release();
		shipper.stop();
		assertSame(this.sender.received(), events(0, 1000));
		assertThat(shipper.backlog()).isZero();
	}

	@Test
	void theSenderThreadIsKnownSoItsOwnLoggingCanBeLeftOut() {
		this.shipper = start(16, 1024 * 1024);
		assertThat(this.shipper.isSenderThread()).isFalse();
		boolean[] seenOnSender = new boolean[1];
		LogShipper<String> shipper = new LogShipper<>(16, (event) -> {
			seenOnSender[0] = this.shipper.isSenderThread();
			return record(event);
		}, () -> this.sender, () -> Spool.open(this.directory.resolve("other"), 1024), settings(), Clock.systemUTC());
		shipper.start();
		shipper.offer("x");
		await().atMost(Duration.ofSeconds(10)).until(() -> shipper.shipped() == 1);
		shipper.stop();
		assertThat(seenOnSender[0]).isFalse();
	}

	private LogShipper<String> start(int capacity, long spoolBytes) {
		LogShipper<String> shipper = new LogShipper<>(capacity, LogShipperTests::record, () -> this.sender,
				() -> Spool.open(this.directory, spoolBytes), settings(), Clock.systemUTC());
		shipper.start();
		return shipper;
	}

	private static LogShipper.Settings settings() {
		return new LogShipper.Settings(500, Duration.ofMillis(100), Duration.ofMillis(20), Duration.ofMillis(100),
				Duration.ofSeconds(5), Duration.ofSeconds(1));
	}

	private void offer(int from, int to) {
		offer(this.shipper, from, to);
	}

	private static void offer(LogShipper<String> shipper, int from, int to) {
		for (int i = from; i < to; i++) {
			assertThat(shipper.offer("event-" + i)).isTrue();
		}
	}

	static void assertSame(List<String> received, List<String> expected) {
		int size = Math.min(received.size(), expected.size());
		for (int i = 0; i < size; i++) {
			if (!received.get(i).equals(expected.get(i))) {
				throw new AssertionError("At " + i + " expected " + expected.get(i) + " but was " + received.get(i)
						+ "; around: " + received.subList(Math.max(0, i - 3), Math.min(received.size(), i + 3)));
			}
		}
		assertThat(received).hasSameSizeAs(expected);
	}

	private static List<String> events(int from, int to) {
		return IntStream.range(from, to).mapToObj((i) -> "event-" + i).toList();
	}

	static LogRecord record(String event) {
		return new LogRecord("k".getBytes(StandardCharsets.UTF_8), event.getBytes(StandardCharsets.UTF_8));
	}

}
