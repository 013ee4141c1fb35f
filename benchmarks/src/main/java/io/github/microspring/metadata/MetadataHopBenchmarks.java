package io.github.microspring.metadata;

import java.util.List;
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
 * What metadata adds to one hop of a request that carries two metadata headers among ten: reading them from the
 * incoming headers, binding them to the thread, and copying them onto the headers of one outgoing call (the
 * RestClient interceptor's work). Anchor: the outgoing headers built without the feature.
 * {@code -prof gc} gives the bytes allocated per hop.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "-Xmx256m" })
public class MetadataHopBenchmarks {

	private final HttpHeaders incoming = incoming();

	private final MetadataHeaders headers = new MetadataHeaders(List.of("X-User", "X-Meta-*"), 16, 4096, true,
			() -> {
			});

	@Benchmark
	public HttpHeaders anchorOutgoingHeadersWithoutMetadata() {
		HttpHeaders outgoing = new HttpHeaders();
		outgoing.set(HttpHeaders.ACCEPT, "application/json");
		return outgoing;
	}

	@Benchmark
	public HttpHeaders hopWithMetadata() {
		Metadata metadata = this.headers.read(this.incoming.keySet(), this.incoming::getFirst);
		try (Metadata.Scope scope = metadata.open()) {
			HttpHeaders outgoing = new HttpHeaders();
			outgoing.set(HttpHeaders.ACCEPT, "application/json");
			MetadataRestClientCustomizer.copy(Metadata.current(), outgoing);
			return outgoing;
		}
	}

	private static HttpHeaders incoming() {
		HttpHeaders headers = new HttpHeaders();
		headers.set("Host", "127.0.0.1:8080");
		headers.set("Accept", "application/json");
		headers.set("User-Agent", "Java-http-client/17");
		headers.set("Accept-Encoding", "gzip");
		headers.set("Authorization", "Bearer abc.def.ghi");
		headers.set("Cookie", "session=1");
		headers.set("X-User", "alice");
		headers.set("X-Meta-Tenant", "acme");
		headers.set("X-Micro-Timeout", "3000");
		headers.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
		return headers;
	}

}
