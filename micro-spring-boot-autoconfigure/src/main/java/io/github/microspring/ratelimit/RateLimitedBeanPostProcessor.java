package io.github.microspring.ratelimit;

import java.lang.reflect.Method;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;

import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.util.function.SingletonSupplier;

/**
 * Proxies beans with {@link RateLimited} methods (or a {@link RateLimited} class, or a {@link RateLimited}
 * interface such as an HTTP interface client) with the {@link RateLimitInterceptor}, and resolves their
 * methods while the bean is created, so that wrong settings fail startup.
 */
class RateLimitedBeanPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor {

	private final SingletonSupplier<RateLimitInterceptor> interceptor;

	private final SingletonSupplier<LimitedMethods> methods;

	RateLimitedBeanPostProcessor(ObjectProvider<RateLimitInterceptor> interceptor,
			ObjectProvider<LimitedMethods> methods) {
		this.interceptor = SingletonSupplier.of(interceptor::getObject);
		this.methods = SingletonSupplier.of(methods::getObject);
		this.advisor = new DefaultPointcutAdvisor(new RateLimitedPointcut(), new LazyInterceptor(this.interceptor));
		setProxyTargetClass(true);
		setBeforeExistingAdvisors(true);
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (isEligible(bean, beanName)) {
			try {
				this.methods.obtain().register(AopUtils.getTargetClass(bean));
			}
			catch (IllegalStateException ex) {
				throw new BeanCreationException(beanName, ex.getMessage(), ex);
			}
		}
		return super.postProcessAfterInitialization(bean, beanName);
	}

	private static final class RateLimitedPointcut extends StaticMethodMatcherPointcut {

		@Override
		public boolean matches(Method method, Class<?> targetClass) {
			return LimitedMethods.isLimited(method, targetClass);
		}

	}

	/**
	 * The interceptor's dependencies (the store, Redis) are created when the first limited bean is, not when
	 * post-processors are.
	 */
	private record LazyInterceptor(SingletonSupplier<RateLimitInterceptor> interceptor) implements MethodInterceptor {

		@Override
		public Object invoke(MethodInvocation invocation) throws Throwable {
			return this.interceptor.obtain().invoke(invocation);
		}

	}

}
