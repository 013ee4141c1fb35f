package io.github.microspring.logging;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class SpoolTests {

	@TempDir
	Path directory;

	@Test
	void readsRecordsBackInTheOrderTheyWereWritten() {
		try (Spool spool = Spool.open(this.directory, 1024 * 1024)) {
			for (int i = 0; i < 100; i++) {
				assertThat(spool.append(bytes("k"), bytes("event-" + i))).isTrue();
			}
			assertThat(values(spool.peek(1000))).hasSize(100).startsWith("event-0", "event-1").endsWith("event-99");
			assertThat(values(spool.peek(3))).containsExactly("event-0", "event-1", "event-2");
			assertThat(spool.records()).isEqualTo(100);
		}
	}

	@Test
	void removesOnlyDeliveredRecordsAcrossSegmentsAndDeletesShippedSegments() throws IOException {
		try (Spool spool = Spool.open(this.directory, 2 * 1024 * 1024)) {
			int count = 10_000;
			for (int i = 0; i < count; i++) {
				spool.append(bytes("k"), bytes("event-" + i + "-" + "x".repeat(100)));
			}
			assertThat(segments()).hasSizeGreaterThan(2);
			int next = 0;
			while (!spool.isEmpty()) {
				List<LogRecord> batch = spool.peek(777);
				assertThat(new String(batch.get(0).value(), StandardCharsets.UTF_8)).startsWith("event-" + next + "-");
				List<LogRecord> delivered = batch.subList(0, batch.size() / 2 + 1);
				spool.remove(delivered);
				next += delivered.size();
			}
			assertThat(next).isEqualTo(count);
			assertThat(spool.bytes()).isZero();
			assertThat(segments()).hasSize(1);
		}
	}

	@Test
	void refusesRecordsBeyondItsSize() {
		try (Spool spool = Spool.open(this.directory, 1000)) {
			int kept = 0;
			for (int i = 0; i < 100; i++) {
				if (spool.append(bytes("k"), bytes("x".repeat(87)))) {
					kept++;
				}
			}
			assertThat(kept).isEqualTo(10);
			assertThat(spool.bytes()).isEqualTo(1000);
			spool.remove(spool.peek(1));
			assertThat(spool.append(bytes("k"), bytes("x".repeat(87)))).isTrue();
		}
	}

	@Test
	void reopenedSpoolResumesAtTheFirstUndeliveredRecordAndCutsATornTail() throws IOException {
		try (Spool spool = Spool.open(this.directory, 1024 * 1024)) {
			for (int i = 0; i < 10; i++) {
				spool.append(bytes("k"), bytes("event-" + i));
			}
			spool.remove(spool.peek(4));
			spool.flush();
		}
		Path segment = segments().get(0);
		try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
			// a crash in the middle of the last record
			file.setLength(file.length() - 3);
		}
		try (Spool spool = Spool.open(this.directory, 1024 * 1024)) {
			assertThat(spool.records()).isEqualTo(5);
			spool.append(bytes("k"), bytes("after-restart"));
			assertThat(values(spool.peek(100))).containsExactly("event-4", "event-5", "event-6", "event-7",
					"event-8", "after-restart");
		}
	}

	@Test
	void secondOwnerOfTheDirectoryGetsItsOwnSibling() {
		try (Spool first = Spool.open(this.directory.resolve("spool"), 1024);
				Spool second = Spool.open(this.directory.resolve("spool"), 1024)) {
			assertThat(first.directory()).isEqualTo(this.directory.resolve("spool"));
			assertThat(second.directory()).isEqualTo(this.directory.resolve("spool-1"));
		}
	}

	private List<Path> segments() throws IOException {
		try (Stream<Path> files = Files.list(this.directory)) {
			return files.filter((file) -> file.toString().endsWith(".spool")).sorted().toList();
		}
	}

	static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	static List<String> values(List<LogRecord> records) {
		return records.stream().map((record) -> new String(record.value(), StandardCharsets.UTF_8)).toList();
	}

}
