package io.github.microspring.etcd;

import java.lang.reflect.Proxy;

import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;

import io.github.microspring.test.FreePorts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Reaching the gRPC channel inside jetcd's client, which jetcd 0.8.5 does not expose.
 */
class EtcdReconnectTests {

	@Test
	void reachesTheOneGrpcChannelOfJetcdsClient() {
		try (Client client = Client.builder().endpoints("http://127.0.0.1:" + FreePorts.take()).build()) {
			ManagedChannel channel = EtcdReconnect.channelOf(client);

			assertThat(channel).isNotNull().isSameAs(EtcdReconnect.channelOf(client));
			assertThatNoException().isThrownBy(() -> EtcdReconnect.now(client));
		}
	}

	@Test
	void leavesAClientOfItsOwnAlone() {
		Client own = (Client) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Client.class },
				(proxy, method, args) -> {
					throw new AssertionError("called " + method.getName());
				});

		assertThat(EtcdReconnect.channelOf(own)).isNull();
		assertThatNoException().isThrownBy(() -> EtcdReconnect.now(own));
	}

}
