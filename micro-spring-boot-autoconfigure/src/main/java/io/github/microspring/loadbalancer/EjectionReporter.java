package io.github.microspring.loadbalancer;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.cloud.client.ServiceInstance;

/**
 * Writes a log line for each ejection and passes it on to the metric, when there is one.
 */
class EjectionReporter implements Ejections.EjectionListener {

	private static final Log logger = LogFactory.getLog(EjectionReporter.class);

	private final Ejections.EjectionListener[] delegates;

	EjectionReporter(Ejections.EjectionListener... delegates) {
		this.delegates = delegates;
	}

	@Override
	public void ejected(ServiceInstance instance, Duration duration) {
		logger.warn("Leaving out " + instance.getServiceId() + " instance " + instance.getInstanceId() + " at "
				+ instance.getHost() + ":" + instance.getPort() + " for " + duration.toMillis()
				+ " ms after consecutive failed calls");
		for (Ejections.EjectionListener delegate : this.delegates) {
			delegate.ejected(instance, duration);
		}
	}

}
