package io.github.microspring.breaker;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;

import org.springframework.aop.support.AopUtils;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Runs {@link CircuitBreaker @CircuitBreaker} methods under their breaker. What a method needs (its breaker, its
 * kind, its fallback) is worked out at its first call and kept.
 */
final class BreakerInterceptor implements MethodInterceptor {

	private final Supplier<Breakers> breakers;

	private final Supplier<BreakerTimeoutBudget> budget;

	private final CallContext context = new CallContext();

	private final Map<MethodClassKey, BreakerCall> calls = new ConcurrentHashMap<>();

	/**
	 * The call last made for each method; nearly always the one for this target class too, found without
	 * allocating a key.
	 */
	private final Map<Method, BreakerCall> lastByMethod = new ConcurrentHashMap<>();

	/**
	 * Takes suppliers as it is built with the post-processor, before the beans it needs may be created.
	 */
	BreakerInterceptor(Supplier<Breakers> breakers, Supplier<BreakerTimeoutBudget> budget) {
		this.breakers = breakers;
		this.budget = budget;
	}

	@Override
	public Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target)
				: invocation.getMethod().getDeclaringClass();
		Method method = invocation.getMethod();
		BreakerCall call = this.lastByMethod.get(method);
		if (call == null || call.targetClass() != targetClass) {
			call = this.calls.computeIfAbsent(new MethodClassKey(method, targetClass),
					(key) -> create(method, targetClass));
			this.lastByMethod.put(method, call);
		}
		return call.invoke(invocation);
	}

	private BreakerCall create(Method method, Class<?> targetClass) {
		Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
		CircuitBreaker annotation = AnnotatedElementUtils.findMergedAnnotation(specific, CircuitBreaker.class);
		if (annotation == null) {
			annotation = AnnotatedElementUtils.findMergedAnnotation(method, CircuitBreaker.class);
		}
		Breakers breakers = this.breakers.get();
		return new BreakerCall(targetClass, breakers.breaker(annotation.name()), BreakerCall.Kind.of(method),
				Fallback.resolve(specific, targetClass, annotation.fallbackMethod()), this.budget.get(), this.context,
				breakers);
	}

}
