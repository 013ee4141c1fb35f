package io.github.microspring.registry;

import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.context.WebServerGracefulShutdownLifecycle;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.cloud.client.discovery.event.InstancePreRegisteredEvent;
import org.springframework.cloud.client.discovery.event.InstanceRegisteredEvent;
import org.springframework.cloud.client.serviceregistry.AutoServiceRegistration;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.SmartApplicationListener;

/**
 * Registers this application once it is ready to serve, and deregisters it when the context closes,
 * before the web server starts draining: clients stop choosing it while it still answers. Publishes
 * Spring Cloud's {@link InstancePreRegisteredEvent} and {@link InstanceRegisteredEvent} around
 * registering, as {@code AbstractAutoServiceRegistration} does; the lease keeper then puts the key in
 * the background, so the second event means "handed to the registry", not "visible in etcd".
 */
public class EtcdAutoServiceRegistration implements AutoServiceRegistration, SmartLifecycle, SmartApplicationListener {

	/**
	 * Stops before {@link WebServerGracefulShutdownLifecycle}: Spring stops higher phases first.
	 */
	public static final int PHASE = WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 512;

	private static final Log logger = LogFactory.getLog(EtcdAutoServiceRegistration.class);

	private final EtcdServiceRegistry registry;

	private final EtcdRegistration registration;

	private final boolean portConfigured;

	private final ApplicationEventPublisher events;

	private final AtomicBoolean registered = new AtomicBoolean();

	private volatile boolean running;

	public EtcdAutoServiceRegistration(EtcdServiceRegistry registry, EtcdRegistration registration,
			boolean portConfigured, ApplicationEventPublisher events) {
		this.registry = registry;
		this.registration = registration;
		this.portConfigured = portConfigured;
		this.events = events;
	}

	@Override
	public boolean supportsEventType(Class<? extends ApplicationEvent> eventType) {
		return WebServerInitializedEvent.class.isAssignableFrom(eventType)
				|| ApplicationReadyEvent.class.isAssignableFrom(eventType);
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		if (event instanceof WebServerInitializedEvent initialized) {
			String namespace = initialized.getApplicationContext().getServerNamespace();
			if (!this.portConfigured && !"management".equals(namespace)) {
				this.registration.setPort(initialized.getWebServer().getPort());
			}
		}
		else if (event instanceof ApplicationReadyEvent ready && this.running) {
			register();
		}
	}

	private void register() {
		if (this.registration.getPort() <= 0) {
			logger.info("Not registering " + this.registration.getServiceId()
					+ " in etcd: no web server port; set micro.registry.port to register anyway");
			return;
		}
		if (this.registered.compareAndSet(false, true)) {
			this.events.publishEvent(new InstancePreRegisteredEvent(this, this.registration));
			this.registry.register(this.registration);
			this.events.publishEvent(new InstanceRegisteredEvent<>(this, this.registration));
		}
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		if (this.registered.compareAndSet(true, false)) {
			this.registry.deregister(this.registration);
			logger.info("Deregistered " + this.registration + " from etcd");
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	boolean isRegistered() {
		return this.registered.get();
	}

}
