package io.github.microspring.loadbalancer;

import org.springframework.cloud.client.ServiceInstance;

/**
 * Told of every instance the balancer chooses, for metrics and tracing; called on the choosing thread, so
 * it must be quick.
 */
@FunctionalInterface
interface ChoiceListener {

	void chosen(String serviceId, ServiceInstance instance);

}
