package io.github.microspring.loadbalancer;

import org.springframework.cloud.client.ServiceInstance;

/**
 * Which instances the load balancer leaves out now after consecutive failures, for status pages and
 * diagnostics; the load balancer's ejection state is a bean of this type.
 */
public interface EjectedInstances {

	/**
	 * Whether the instance is left out of choices now.
	 * @param instance an instance of any service, known by its instance id, else by host and port
	 * @return whether it is ejected
	 */
	boolean isEjected(ServiceInstance instance);

}
