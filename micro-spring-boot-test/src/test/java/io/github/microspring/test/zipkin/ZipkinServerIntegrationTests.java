package io.github.microspring.test.zipkin;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ZipkinServerIntegrationTests {

	private static ZipkinServer zipkin;

	@BeforeAll
	static void startZipkin() {
		zipkin = ZipkinServer.start();
	}

	@AfterAll
	static void closeZipkin() {
		if (zipkin != null) {
			zipkin.close();
		}
	}

	@Test
	void postedSpanIsReadBackByItsTraceId() {
		String traceId = hex();
		long now = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
		zipkin.postSpans("""
				[{"traceId":"%s","id":"%s","name":"get /comments","kind":"SERVER","timestamp":%d,"duration":1500,
				  "localEndpoint":{"serviceName":"comment-service"},"tags":{"http.method":"GET"}}]
				""".formatted(traceId, traceId, now));

		String trace = Awaitility.await("trace " + traceId + " stored")
			.atMost(Duration.ofSeconds(30))
			.until(() -> zipkin.trace(traceId), Objects::nonNull);

		assertThat(trace).contains("\"traceId\":\"" + traceId + "\"")
			.contains("\"name\":\"get /comments\"")
			.contains("\"http.method\":\"GET\"");
		assertThat(zipkin.serviceNames()).contains("comment-service");
	}

	@Test
	void unknownTraceIsNull() {
		assertThat(zipkin.trace(hex())).isNull();
	}

	private static String hex() {
		return String.format("%016x", ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE));
	}

}
