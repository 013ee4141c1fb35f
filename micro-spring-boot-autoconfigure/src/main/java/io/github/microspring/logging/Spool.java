package io.github.microspring.logging;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * Bounded, append-only store of log records on disk, read back in the order they were written. Records live in
 * segment files {@code <first record number>.spool}, each record as {@code [length][crc32][key length][key]
 * [value]}; the position of the first record not yet acknowledged is kept in {@code head}, and a segment is
 * deleted once the head has passed it. A record torn by a crash (short or failing its checksum) ends its
 * segment: what follows it is cut off when the spool is opened again.
 * <p>
 * Used by one thread at a time (the sender thread). Writes reach the operating system at {@link #flush()},
 * without fsync: records survive the death of the process, not of the machine.
 */
class Spool implements AutoCloseable {

	private static final String SUFFIX = ".spool";

	private static final int HEADER = 12;

	private final Path directory;

	private final long maxBytes;

	private final long segmentBytes;

	private final FileChannel lockChannel;

	private final FileLock lock;

	/** Segment first-record number to its file size in bytes. */
	private final TreeMap<Long, Long> segments = new TreeMap<>();

	private long headSegment;

	private long headOffset;

	private long records;

	private long bytes;

	private long nextRecord;

	private DataOutputStream out;

	private long outSegment = -1;

	/**
	 * Opens the spool in {@code directory}, or in {@code directory-1}, {@code -2}, ... when another process
	 * holds the directory, so two instances on one host never share a spool.
	 */
	static Spool open(Path directory, long maxBytes) {
		for (int attempt = 0; attempt < 100; attempt++) {
			Path candidate = (attempt == 0) ? directory
					: directory.resolveSibling(directory.getFileName() + "-" + attempt);
			Spool spool = tryOpen(candidate, maxBytes);
			if (spool != null) {
				return spool;
			}
		}
		throw new IllegalStateException("No free spool directory next to " + directory
				+ " (micro.logging.kafka.spool.directory): 100 are held by other processes");
	}

	private static Spool tryOpen(Path directory, long maxBytes) {
		try {
			Files.createDirectories(directory);
			FileChannel channel = FileChannel.open(directory.resolve("lock"), StandardOpenOption.CREATE,
					StandardOpenOption.WRITE);
			FileLock lock;
			try {
				lock = channel.tryLock();
			}
			catch (OverlappingFileLockException ex) {
				lock = null;
			}
			if (lock == null) {
				channel.close();
				return null;
			}
			return new Spool(directory, maxBytes, channel, lock);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot open the log spool in " + directory
					+ " (micro.logging.kafka.spool.directory)", ex);
		}
	}

	private Spool(Path directory, long maxBytes, FileChannel lockChannel, FileLock lock) throws IOException {
		this.directory = directory;
		this.maxBytes = maxBytes;
		// several segments, so acknowledged records free disk space long before the whole spool is shipped
		this.segmentBytes = Math.max(64 * 1024, maxBytes / 8);
		this.lockChannel = lockChannel;
		this.lock = lock;
		load();
	}

	Path directory() {
		return this.directory;
	}

	boolean isEmpty() {
		return this.records == 0;
	}

	/** Records written and not yet removed. */
	long records() {
		return this.records;
	}

	/** Bytes held by records not yet removed. */
	long bytes() {
		return this.bytes;
	}

	/**
	 * Whether all of the records would fit.
	 */
	boolean fits(List<LogRecord> records) {
		long length = 0;
		for (LogRecord record : records) {
			length += HEADER + record.key().length + record.value().length;
		}
		return this.bytes + length <= this.maxBytes;
	}

	/**
	 * Appends a record, unless it would take the spool over its size.
	 * @return whether the record was kept
	 */
	boolean append(byte[] key, byte[] value) {
		int length = HEADER + key.length + value.length;
		if (this.bytes + length > this.maxBytes) {
			return false;
		}
		try {
			if (this.out == null || this.segments.get(this.outSegment) + length > this.segmentBytes) {
				roll();
			}
			CRC32 crc = new CRC32();
			crc.update(key);
			crc.update(value);
			this.out.writeInt(length);
			this.out.writeInt((int) crc.getValue());
			this.out.writeInt(key.length);
			this.out.write(key);
			this.out.write(value);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot write to the log spool in " + this.directory, ex);
		}
		this.segments.merge(this.outSegment, (long) length, Long::sum);
		this.records++;
		this.bytes += length;
		this.nextRecord++;
		return true;
	}

	void flush() {
		if (this.out != null) {
			try {
				this.out.flush();
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Cannot write to the log spool in " + this.directory, ex);
			}
		}
	}

	/**
	 * Reads up to {@code max} records from the head, without removing them.
	 */
	List<LogRecord> peek(int max) {
		flush();
		List<LogRecord> result = new ArrayList<>(Math.min(max, (int) Math.min(this.records, 10_000)));
		long offset = this.headOffset;
		for (Long segment : this.segments.tailMap(this.headSegment, true).keySet()) {
			long size = this.segments.get(segment);
			if (offset >= size) {
				offset = 0;
				continue;
			}
			try (FileChannel channel = FileChannel.open(segmentFile(segment), StandardOpenOption.READ)) {
				channel.position(offset);
				ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size - offset, 4 * 1024 * 1024));
				while (result.size() < max && offset < size) {
					buffer.clear();
					buffer.limit((int) Math.min(buffer.capacity(), size - offset));
					channel.read(buffer, offset);
					buffer.flip();
					int consumed = 0;
					while (result.size() < max && buffer.remaining() >= HEADER) {
						int length = buffer.getInt(buffer.position());
						if (length > buffer.remaining()) {
							if (length > buffer.capacity()) {
								buffer = ByteBuffer.allocate(length);
							}
							break;
						}
						buffer.getInt();
						buffer.getInt();
						byte[] key = new byte[buffer.getInt()];
						buffer.get(key);
						byte[] value = new byte[length - HEADER - key.length];
						buffer.get(value);
						result.add(new LogRecord(key, value));
						consumed += length;
					}
					offset += consumed;
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Cannot read the log spool in " + this.directory, ex);
			}
			if (result.size() >= max) {
				break;
			}
			offset = 0;
		}
		return result;
	}

	/**
	 * Removes records from the head, the ones {@link #peek(int)} returned first, once they were delivered.
	 */
	void remove(List<LogRecord> delivered) {
		if (delivered.isEmpty()) {
			return;
		}
		for (LogRecord record : delivered) {
			long size = this.segments.get(this.headSegment);
			if (this.headOffset >= size) {
				advanceSegment();
			}
			int length = HEADER + record.key().length + record.value().length;
			this.headOffset += length;
			this.records--;
			this.bytes -= length;
		}
		if (this.headOffset >= this.segments.get(this.headSegment) && this.headSegment != this.outSegment) {
			advanceSegment();
		}
		writeHead();
	}

	private void advanceSegment() {
		Long next = this.segments.higherKey(this.headSegment);
		if (next == null) {
			return;
		}
		try {
			Files.deleteIfExists(segmentFile(this.headSegment));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot delete a shipped spool segment in " + this.directory, ex);
		}
		this.segments.remove(this.headSegment);
		this.headSegment = next;
		this.headOffset = 0;
	}

	private void roll() throws IOException {
		if (this.out != null) {
			this.out.close();
		}
		this.outSegment = this.nextRecord;
		this.segments.put(this.outSegment, 0L);
		this.out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(segmentFile(this.outSegment),
				StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), 64 * 1024));
		if (this.segments.size() == 1) {
			this.headSegment = this.outSegment;
			this.headOffset = 0;
		}
	}

	private void writeHead() {
		try {
			Path temp = this.directory.resolve("head.tmp");
			Files.writeString(temp, this.headSegment + " " + this.headOffset, StandardCharsets.US_ASCII);
			Files.move(temp, this.directory.resolve("head"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
					java.nio.file.StandardCopyOption.ATOMIC_MOVE);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot write the log spool head in " + this.directory, ex);
		}
	}

	private void load() throws IOException {
		try (Stream<Path> files = Files.list(this.directory)) {
			files.map((file) -> file.getFileName().toString())
				.filter((name) -> name.endsWith(SUFFIX))
				.forEach((name) -> this.segments.put(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())),
						0L));
		}
		Path head = this.directory.resolve("head");
		if (Files.exists(head)) {
			String[] parts = Files.readString(head, StandardCharsets.US_ASCII).trim().split(" ");
			this.headSegment = Long.parseLong(parts[0]);
			this.headOffset = Long.parseLong(parts[1]);
		}
		for (Long segment : new ArrayList<>(this.segments.keySet())) {
			if (segment < this.headSegment) {
				Files.deleteIfExists(segmentFile(segment));
				this.segments.remove(segment);
			}
		}
		if (this.segments.isEmpty() || !this.segments.containsKey(this.headSegment)) {
			this.headSegment = this.segments.isEmpty() ? 0 : this.segments.firstKey();
			this.headOffset = 0;
		}
		long number = this.segments.isEmpty() ? 0 : this.segments.firstKey();
		for (Long segment : this.segments.keySet()) {
			long[] counted = scan(segment, (segment == this.headSegment) ? this.headOffset : 0);
			this.segments.put(segment, counted[2]);
			this.records += counted[0];
			this.bytes += counted[1];
			number = segment + counted[3];
		}
		this.nextRecord = Math.max(number, (this.segments.isEmpty() ? 0 : this.segments.lastKey() + 1));
	}

	/**
	 * Counts the valid records of a segment from {@code from} and cuts off a torn tail.
	 * @return records after {@code from}, their bytes, the valid size of the file, records in the file
	 */
	private long[] scan(long segment, long from) throws IOException {
		Path file = segmentFile(segment);
		long records = 0;
		long bytes = 0;
		long all = 0;
		long offset = 0;
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
			long size = channel.size();
			ByteBuffer header = ByteBuffer.allocate(HEADER);
			while (offset + HEADER <= size) {
				header.clear();
				channel.read(header, offset);
				header.flip();
				int length = header.getInt();
				int crc = header.getInt();
				int keyLength = header.getInt();
				if (length < HEADER || offset + length > size || keyLength < 0 || keyLength > length - HEADER) {
					break;
				}
				ByteBuffer payload = ByteBuffer.allocate(length - HEADER);
				channel.read(payload, offset + HEADER);
				CRC32 check = new CRC32();
				check.update(payload.array());
				if ((int) check.getValue() != crc) {
					break;
				}
				if (offset >= from) {
					records++;
					bytes += length;
				}
				all++;
				offset += length;
			}
			if (offset < size) {
				channel.truncate(offset);
			}
		}
		return new long[] { records, bytes, offset, all };
	}

	private Path segmentFile(long segment) {
		return this.directory.resolve(String.format("%020d%s", segment, SUFFIX));
	}

	@Override
	public void close() {
		try {
			if (this.out != null) {
				this.out.close();
				this.out = null;
			}
			this.lock.release();
			this.lockChannel.close();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot close the log spool in " + this.directory, ex);
		}
	}

}
