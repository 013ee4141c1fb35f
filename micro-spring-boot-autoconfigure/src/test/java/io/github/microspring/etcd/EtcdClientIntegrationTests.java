package io.github.microspring.etcd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The client {@link EtcdClientFactory} builds, against a real etcd.
 */
@ExtendWith(EtcdExtension.class)
class EtcdClientIntegrationTests {

	private static final Duration DEADLINE = Duration.ofSeconds(10);

	@Test
	void answerLargerThanMaxInboundMessageSizeFailsNamingTheProperty(EtcdServer etcd) throws Exception {
		String prefix = "/etcd-client-tests/large/";
		ByteSequence value = ByteSequence.from("x".repeat(200 * 1024), StandardCharsets.UTF_8);
		try (Client small = client(etcd, DataSize.ofKilobytes(100)); Client large = client(etcd, DataSize.ofMegabytes(1))) {
			EtcdCalls.await(large.getKVClient().put(bytes(prefix + "a"), value), DEADLINE);

			Throwable refused = catchThrowable(() -> EtcdCalls.await(
					small.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()), DEADLINE));
			assertThat(refused).hasMessageContaining("RESOURCE_EXHAUSTED");
			assertThat(EtcdCalls.describe(refused)).contains("micro.etcd.max-inbound-message-size");

			assertThat(EtcdCalls.await(large.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()),
					DEADLINE)
				.getKvs()).singleElement().satisfies((kv) -> assertThat(kv.getValue()).isEqualTo(value));
		}
	}

	@Test
	void wrongPasswordIsDescribedNamingTheCredentialProperties() {
		try (EtcdServer etcd = EtcdServer.startWithAuth("s3cret")) {
			EtcdProperties properties = properties(etcd);
			properties.setUsername("root");
			properties.setPassword("wrong");
			try (Client client = EtcdClientFactory.create(properties, null, List.of())) {
				Throwable refused = catchThrowable(() -> EtcdCalls.await(client.getKVClient().get(bytes("k")), DEADLINE));
				assertThat(EtcdCalls.describe(refused)).contains("micro.etcd.username").contains("micro.etcd.password");
			}
		}
	}

	private static Client client(EtcdServer etcd, DataSize maxInboundMessageSize) {
		EtcdProperties properties = properties(etcd);
		properties.setMaxInboundMessageSize(maxInboundMessageSize);
		return EtcdClientFactory.create(properties, null, List.of());
	}

	private static EtcdProperties properties(EtcdServer etcd) {
		EtcdProperties properties = new EtcdProperties();
		properties.setEndpoints(List.of(etcd.endpoint()));
		return properties;
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

}
