package io.github.microspring.registry;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

import io.etcd.jetcd.Client;

import org.springframework.cloud.client.serviceregistry.ServiceRegistry;

/**
 * Spring Cloud {@link ServiceRegistry} over etcd leases: each registration is kept alive by a
 * {@link LeaseKeeper}.
 */
public class EtcdServiceRegistry implements ServiceRegistry<EtcdRegistration> {

	private final Client client;

	private final String prefix;

	private final Duration leaseTtl;

	private final Duration registerInterval;

	private final Duration callTimeout;

	private final Supplier<RegisteredKeyView> view;

	private final Clock clock;

	private final Map<String, LeaseKeeper> keepers = new ConcurrentHashMap<>();

	public EtcdServiceRegistry(Client client, String prefix, Duration leaseTtl, Duration registerInterval,
			Duration callTimeout, Supplier<RegisteredKeyView> view, Clock clock) {
		this.client = client;
		this.prefix = prefix;
		this.leaseTtl = leaseTtl;
		this.registerInterval = registerInterval;
		this.callTimeout = callTimeout;
		this.view = view;
		this.clock = clock;
	}

	@Override
	public void register(EtcdRegistration registration) {
		String key = RegistryCodec.key(this.prefix, registration.getServiceId(), registration.getInstanceId());
		this.keepers.computeIfAbsent(key, (k) -> {
			ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((runnable) -> {
				Thread thread = new Thread(runnable, "etcd-registry-" + registration.getServiceId());
				thread.setDaemon(true);
				return thread;
			});
			LeaseKeeper keeper = new LeaseKeeper(this.client, k, registration.toRecord(), this.leaseTtl,
					this.registerInterval, this.callTimeout, this.view, this.clock, executor);
			keeper.start();
			return keeper;
		});
	}

	@Override
	public void deregister(EtcdRegistration registration) {
		LeaseKeeper keeper = this.keepers
			.remove(RegistryCodec.key(this.prefix, registration.getServiceId(), registration.getInstanceId()));
		if (keeper != null) {
			keeper.stop();
		}
	}

	@Override
	public void close() {
		this.keepers.keySet().forEach((key) -> {
			LeaseKeeper keeper = this.keepers.remove(key);
			if (keeper != null) {
				keeper.stop();
			}
		});
	}

	/**
	 * go-micro has no instance status; the registry is the status: present or not.
	 * @throws UnsupportedOperationException always
	 */
	@Override
	public void setStatus(EtcdRegistration registration, String status) {
		throw new StatusNotSupportedException();
	}

	@Override
	@SuppressWarnings("unchecked")
	public <T> T getStatus(EtcdRegistration registration) {
		LeaseKeeper keeper = keeper(registration);
		return (T) ((keeper != null) ? keeper.state().name() : LeaseKeeper.State.STOPPED.name());
	}

	LeaseKeeper keeper(EtcdRegistration registration) {
		return this.keepers.get(RegistryCodec.key(this.prefix, registration.getServiceId(), registration.getInstanceId()));
	}

	Iterable<LeaseKeeper> keepers() {
		return this.keepers.values();
	}

}
