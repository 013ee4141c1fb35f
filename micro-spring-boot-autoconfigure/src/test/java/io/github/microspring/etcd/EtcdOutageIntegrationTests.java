package io.github.microspring.etcd;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static io.github.microspring.etcd.RunningApplication.health;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A whole application (registry and discovery on) through an etcd outage long enough for gRPC's own
 * reconnect backoff to have grown far past ours: it is registered again within seconds of etcd's return, and
 * its console says once per component that etcd is away and once that it is back, nothing per retry.
 */
@ExtendWith(OutputCaptureExtension.class)
class EtcdOutageIntegrationTests {

	// Boot's console line: date, level, pid, "---", [application] [thread] [correlation], logger, ":"
	private static final Pattern WARN_OR_ERROR = Pattern
		.compile("(?m)^\\S+\\s+(WARN|ERROR) \\d+ --- (?:\\[[^\\]]*\\]\\s*)+(\\S+)\\s+: ");

	@Test
	void registersAgainWithinSecondsOfEtcdReturningAndLogsAtMostTwoLinesPerComponent(CapturedOutput output)
			throws Exception {
		try (EtcdServer etcd = EtcdServer.start();
				ConfigurableApplicationContext app = new SpringApplicationBuilder(TestApplication.class)
					.properties("spring.application.name=outage", "server.port=0", "server.address=127.0.0.1",
							"micro.etcd.endpoints=" + etcd.endpoint(), "micro.registry.lease-ttl=5s",
							"micro.registry.register-interval=1s", "management.endpoints.web.exposure.include=health",
							"management.endpoint.health.show-details=always", "spring.main.banner-mode=off")
					.run()) {
			await().atMost(Duration.ofSeconds(20)).until(() -> isUp(app));
			int outageStart = output.getOut().length();

			etcd.stop();
			// down for a measured 48 s: the lease is lost, registration retries many times, and gRPC's reconnect
			// backoff (x1.6 from 1 s) has grown to about 27 s, its next attempt due about 22 s after etcd is back
			await().pollDelay(Duration.ofSeconds(48))
				.atMost(Duration.ofSeconds(60))
				.until(() -> "UNKNOWN"
					.equals(health(app).at("/components/etcdRegistration/status").asText()));
			etcd.restart();
			// well below gRPC's own next attempt (measured 25 s after etcd was back without our reset, 0.7 s with it)
			await().atMost(Duration.ofSeconds(15)).until(() -> isUp(app));

			Map<String, Integer> lines = warnAndErrorLinesPerLogger(output.getOut().substring(outageStart));
			SoftAssertions softly = new SoftAssertions();
			lines.forEach((logger, count) -> {
				if (logger.contains("jetcd")) {
					softly.assertThat(count).as("WARN/ERROR lines from %s in %s", logger, lines).isZero();
				}
				else {
					softly.assertThat(count).as("WARN/ERROR lines from %s in %s", logger, lines).isLessThanOrEqualTo(2);
				}
			});
			softly.assertAll();
		}
	}

	static Map<String, Integer> warnAndErrorLinesPerLogger(String console) {
		Map<String, Integer> lines = new TreeMap<>();
		Matcher matcher = WARN_OR_ERROR.matcher(console);
		while (matcher.find()) {
			lines.merge(matcher.group(2), 1, Integer::sum);
		}
		return lines;
	}

	@Test
	void countsBootConsoleLinesPerLogger() {
		String console = """
				2026-11-28T05:20:38.245Z  WARN 123 --- [outage] [ent-loop-thread-0] [                 ] i.g.m.discovery.EtcdCatalog              : Lost etcd: x [y]
				2026-11-28T05:20:44.727Z  WARN 123 --- [outage] [ool-4-thread-2] io.etcd.jetcd.impl.KVImpl                : retry failure
				2026-11-28T05:20:44.729Z ERROR 123 --- [outage] [ool-4-thread-2] io.etcd.jetcd.impl.KVImpl                : retry failure
				2026-11-28T05:20:44.729Z  INFO 123 --- [outage] [ool-4-thread-2] io.etcd.jetcd.impl.KVImpl                : fine
				""";
		assertThat(warnAndErrorLinesPerLogger(console)).containsExactly(Map.entry("i.g.m.discovery.EtcdCatalog", 1),
				Map.entry("io.etcd.jetcd.impl.KVImpl", 2));
	}

	private static boolean isUp(ConfigurableApplicationContext app) throws Exception {
		JsonNode health = health(app);
		return "UP".equals(health.at("/components/etcdRegistration/status").asText())
				&& "UP".equals(health.at("/components/etcdDiscovery/status").asText());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TestApplication {

	}

}
