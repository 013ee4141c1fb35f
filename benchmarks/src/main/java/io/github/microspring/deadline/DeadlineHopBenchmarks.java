package io.github.microspring.deadline;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.http.HttpHeaders;

/**
 * What the deadline adds to one hop: reading the budget from the incoming headers, binding the deadline, and
 * sending what is left on one outgoing call. Anchor: the outgoing headers built without the feature.
 * {@code -prof gc} gives the bytes allocated per hop.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "-Xmx256m" })
public class DeadlineHopBenchmarks {

	private final HttpHeaders incoming = new HttpHeaders();

	private final DeadlineHeaders headers = new DeadlineHeaders("X-Micro-Timeout", Duration.ofMinutes(1), null, true,
			System::nanoTime, (reason) -> {
			});

	public DeadlineHopBenchmarks() {
		this.incoming.set("Accept", "application/json");
		this.incoming.set("X-Micro-Timeout", "3000");
	}

	@Benchmark
	public HttpHeaders anchorOutgoingHeadersWithoutDeadline() {
		HttpHeaders outgoing = new HttpHeaders();
		outgoing.set(HttpHeaders.ACCEPT, "application/json");
		return outgoing;
	}

	@Benchmark
	public HttpHeaders hopWithDeadline() {
		Deadline deadline = this.headers.deadline(this.incoming::getFirst);
		try (Deadline.Scope scope = deadline.open()) {
			HttpHeaders outgoing = new HttpHeaders();
			outgoing.set(HttpHeaders.ACCEPT, "application/json");
			Deadline current = Deadline.current();
			current.check("the call");
			outgoing.set("X-Micro-Timeout", DeadlineHeaders.millis(current.remaining()));
			return outgoing;
		}
	}

}
