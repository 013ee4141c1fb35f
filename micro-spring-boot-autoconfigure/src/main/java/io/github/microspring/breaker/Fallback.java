package io.github.microspring.breaker;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * The fallback methods of one annotated method, with Resilience4j's rules: same name, the original parameters
 * plus a trailing exception or the exception alone, and a return type the original method can return. Several
 * may differ in the exception they take; a failure goes to the one taking the closest type, else is rethrown.
 */
final class Fallback {

	private final List<Method> candidates;

	private final int originalParameters;

	private Fallback(List<Method> candidates, int originalParameters) {
		this.candidates = candidates;
		this.originalParameters = originalParameters;
	}

	/**
	 * The fallback named on the method, or {@code null} when it names none.
	 * @throws IllegalStateException naming the class and method when no method of that name fits
	 */
	static Fallback resolve(Method method, Class<?> targetClass, String fallbackName) {
		if (fallbackName.isEmpty()) {
			return null;
		}
		Class<?>[] parameters = method.getParameterTypes();
		List<Method> named = new ArrayList<>();
		List<Method> fitting = new ArrayList<>();
		for (Method candidate : methodsOf(targetClass)) {
			if (!candidate.getName().equals(fallbackName)) {
				continue;
			}
			named.add(candidate);
			if (fits(candidate, parameters, method.getReturnType())) {
				ReflectionUtils.makeAccessible(candidate);
				fitting.add(candidate);
			}
		}
		if (fitting.isEmpty()) {
			String expected = fallbackName + "(" + names(parameters) + (parameters.length > 0 ? ", " : "")
					+ "Throwable) or " + fallbackName + "(Throwable) returning " + method.getReturnType().getSimpleName();
			throw new IllegalStateException(BreakerMethods.describe(targetClass, method) + ": fallback method '"
					+ fallbackName + "' " + (named.isEmpty() ? "not found" : "has the wrong signature") + "; expected "
					+ expected + (named.isEmpty() ? "" : ", found " + named.stream()
						.map((m) -> m.getReturnType().getSimpleName() + " " + m.getName() + "("
								+ names(m.getParameterTypes()) + ")")
						.collect(Collectors.joining(", "))));
		}
		return new Fallback(List.copyOf(fitting), parameters.length);
	}

	private static boolean fits(Method candidate, Class<?>[] parameters, Class<?> returnType) {
		Class<?>[] types = candidate.getParameterTypes();
		if (types.length == 0 || !Throwable.class.isAssignableFrom(types[types.length - 1])) {
			return false;
		}
		boolean exceptionAlone = types.length == 1;
		boolean withArguments = types.length == parameters.length + 1
				&& Arrays.equals(Arrays.copyOf(types, parameters.length), parameters);
		return (exceptionAlone || withArguments) && returnType.isAssignableFrom(candidate.getReturnType());
	}

	private static List<Method> methodsOf(Class<?> type) {
		List<Method> methods = new ArrayList<>(Arrays.asList(ReflectionUtils.getAllDeclaredMethods(type)));
		for (Class<?> contract : ClassUtils.getAllInterfacesForClassAsSet(type)) {
			methods.addAll(Arrays.asList(contract.getMethods()));
		}
		return methods;
	}

	private static String names(Class<?>[] types) {
		return Arrays.stream(types).map(Class::getSimpleName).collect(Collectors.joining(", "));
	}

	/**
	 * The fallback taking the closest supertype of the failure, or {@code null}.
	 */
	Method find(Throwable failure) {
		Method best = null;
		int bestDistance = Integer.MAX_VALUE;
		for (Method candidate : this.candidates) {
			Class<?> accepted = candidate.getParameterTypes()[candidate.getParameterCount() - 1];
			if (!accepted.isInstance(failure)) {
				continue;
			}
			int distance = 0;
			for (Class<?> type = failure.getClass(); type != accepted; type = type.getSuperclass()) {
				distance++;
			}
			// prefer the full signature on a tie, as it sees the call's arguments
			if (distance < bestDistance
					|| (distance == bestDistance && candidate.getParameterCount() > this.originalParameters)) {
				best = candidate;
				bestDistance = distance;
			}
		}
		return best;
	}

	/**
	 * Answers the failed call with the fallback that takes the failure, or rethrows the failure.
	 */
	Object call(Object target, Object[] arguments, Throwable failure) throws Throwable {
		Method fallback = find(failure);
		if (fallback == null) {
			throw failure;
		}
		Object[] fallbackArguments;
		if (fallback.getParameterCount() == 1) {
			fallbackArguments = new Object[] { failure };
		}
		else {
			fallbackArguments = Arrays.copyOf(arguments, arguments.length + 1);
			fallbackArguments[arguments.length] = failure;
		}
		try {
			return fallback.invoke(Modifier.isStatic(fallback.getModifiers()) ? null : target, fallbackArguments);
		}
		catch (InvocationTargetException ex) {
			throw ex.getTargetException();
		}
	}

}
