package io.github.microspring.loadbalancer;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClientsProperties;
import org.springframework.core.env.Environment;

/**
 * Our default for Spring Cloud LoadBalancer's retries, applied where the application sets nothing itself.
 * Spring Cloud retries idempotent (GET) calls on an {@link java.io.IOException} (a refused or reset
 * connection) or a timeout, on one other instance; we try up to two other instances, so that losing two
 * nodes at once costs no GET. Our balancer never hands a retry the instance it comes from.
 */
class RetryDefaults implements BeanPostProcessor {

	static final String NEXT_INSTANCE = "spring.cloud.loadbalancer.retry.max-retries-on-next-service-instance";

	static final int NEXT_INSTANCE_DEFAULT = 2;

	private final Environment environment;

	RetryDefaults(Environment environment) {
		this.environment = environment;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof LoadBalancerClientsProperties properties
				&& !Binder.get(this.environment).bind(NEXT_INSTANCE, Integer.class).isBound()) {
			properties.getRetry().setMaxRetriesOnNextServiceInstance(NEXT_INSTANCE_DEFAULT);
		}
		return bean;
	}

}
