package io.github.microspring.benchmarks.discovery;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import io.etcd.jetcd.Client;

import io.github.microspring.registry.EtcdRegistration;
import io.github.microspring.registry.EtcdServiceRegistry;

/**
 * A process that registers one instance and then does nothing, for the crash scenario to SIGKILL.
 * Arguments: etcd endpoint, service, node id, lease TTL in seconds.
 */
public final class RegisteredProcess {

	private RegisteredProcess() {
	}

	public static void main(String[] args) throws InterruptedException {
		Client client = Client.builder().endpoints(args[0]).build();
		EtcdServiceRegistry registry = new EtcdServiceRegistry(client, "/micro/registry",
				Duration.ofSeconds(Long.parseLong(args[3])), Duration.ofSeconds(5), Duration.ofSeconds(3), () -> null,
				Clock.systemUTC());
		registry.register(new EtcdRegistration(args[1], "1.0.0", args[2], "127.0.0.1", 9, false,
				Map.of("protocol", "http", "scheme", "http")));
		System.out.println("READY");
		new CountDownLatch(1).await();
	}

}
