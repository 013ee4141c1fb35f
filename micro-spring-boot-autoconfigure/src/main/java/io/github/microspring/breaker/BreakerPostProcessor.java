package io.github.microspring.breaker;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.aop.framework.AbstractAdvisingBeanPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;

/**
 * Proxies beans with {@link CircuitBreaker @CircuitBreaker} methods, or adds the breaker to the proxy they
 * already are (an HTTP interface client, a transactional bean), first in its chain so the breaker is outermost.
 * Checks each such bean's methods first, so a wrong use fails startup naming the class and method.
 */
final class BreakerPostProcessor extends AbstractAdvisingBeanPostProcessor {

	private final Set<String> names = ConcurrentHashMap.newKeySet();

	BreakerPostProcessor(BreakerInterceptor interceptor) {
		this.advisor = new DefaultPointcutAdvisor(new AnnotationMatchingPointcut(null, CircuitBreaker.class, true),
				interceptor);
		// as Spring Boot's default for its proxies (spring.aop.proxy-target-class)
		setProxyTargetClass(true);
		this.beforeExistingAdvisors = true;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (isEligible(bean, beanName)) {
			this.names.addAll(BreakerMethods.check(AopUtils.getTargetClass(bean)));
		}
		return super.postProcessAfterInitialization(bean, beanName);
	}

	/**
	 * Names of the breakers found on the beans so far.
	 */
	Set<String> names() {
		return this.names;
	}

}
