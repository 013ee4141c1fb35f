package io.github.microspring.breaker;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Checks the {@link CircuitBreaker @CircuitBreaker} methods of a bean class when the application starts, so a
 * wrong fallback or a method no proxy can advise fails startup rather than the first failing call.
 */
final class BreakerMethods {

	static final String RESILIENCE4J_ANNOTATION = "io.github.resilience4j.circuitbreaker.annotation.CircuitBreaker";

	private BreakerMethods() {
	}

	/**
	 * The breaker names used by the class.
	 * @throws IllegalStateException naming the class and method of the first wrong use
	 */
	static Set<String> check(Class<?> beanClass) {
		Set<String> names = new LinkedHashSet<>();
		for (Class<?> type : typesOf(beanClass)) {
			ReflectionUtils.doWithMethods(type, (method) -> names.add(check(type, method)),
					(method) -> AnnotatedElementUtils.hasAnnotation(method, CircuitBreaker.class));
		}
		return names;
	}

	private static Set<Class<?>> typesOf(Class<?> beanClass) {
		Set<Class<?>> types = new LinkedHashSet<>();
		if (Proxy.isProxyClass(beanClass)) {
			types.addAll(ClassUtils.getAllInterfacesForClassAsSet(beanClass));
		}
		else {
			types.add(beanClass);
		}
		return types;
	}

	private static String check(Class<?> type, Method method) {
		CircuitBreaker annotation = AnnotatedElementUtils.findMergedAnnotation(method, CircuitBreaker.class);
		int modifiers = method.getModifiers();
		if (Modifier.isPrivate(modifiers) || Modifier.isFinal(modifiers) || Modifier.isStatic(modifiers)) {
			throw new IllegalStateException(describe(type, method)
					+ " is private, final or static: a proxy cannot advise it; make it public and not final");
		}
		if (hasResilience4jAnnotation(method)) {
			throw new IllegalStateException(describe(type, method) + " also carries Resilience4j's @CircuitBreaker;"
					+ " keep one of the two, as each would run its own breaker around the call");
		}
		if (annotation.name().isBlank()) {
			throw new IllegalStateException(describe(type, method) + " has an empty breaker name");
		}
		Fallback.resolve(method, type, annotation.fallbackMethod());
		return annotation.name();
	}

	private static boolean hasResilience4jAnnotation(Method method) {
		return Arrays.stream(method.getAnnotations())
			.anyMatch((annotation) -> annotation.annotationType().getName().equals(RESILIENCE4J_ANNOTATION))
				|| Arrays.stream(method.getDeclaringClass().getAnnotations())
					.anyMatch((annotation) -> annotation.annotationType().getName().equals(RESILIENCE4J_ANNOTATION));
	}

	static String describe(Class<?> type, Method method) {
		return "@CircuitBreaker on " + ClassUtils.getUserClass(type).getName() + "." + method.getName() + "("
				+ Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", "))
				+ ")";
	}

}
