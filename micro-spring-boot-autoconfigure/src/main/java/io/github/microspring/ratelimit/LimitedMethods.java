package io.github.microspring.ratelimit;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodClassKey;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.SpelCompilerMode;
import org.springframework.expression.spel.SpelParserConfiguration;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.stereotype.Controller;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.StringUtils;

/**
 * Every {@link RateLimited} method of the application, resolved when its bean is created, so that a wrong
 * key expression fails startup naming the method.
 */
class LimitedMethods {

	private static final Set<String> REQUEST_VARIABLES = Set.of("request", "headers", "remoteAddress",
			"pathVariables", "root", "this");

	private static final Pattern VARIABLE = Pattern.compile("#([A-Za-z_$][A-Za-z0-9_$]*)");

	private static final String REQUEST_MAPPING = "org.springframework.web.bind.annotation.RequestMapping";

	private final RateLimitProperties properties;

	private final SpelExpressionParser parser = new SpelExpressionParser(
			new SpelParserConfiguration(SpelCompilerMode.MIXED, LimitedMethods.class.getClassLoader()));

	private final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();

	private final Map<MethodClassKey, LimitedMethod> methods = new ConcurrentHashMap<>();

	/** methods looked at and found not limited, so that lookups of them stay cheap */
	private final Map<MethodClassKey, Boolean> unlimited = new ConcurrentHashMap<>();

	LimitedMethods(RateLimitProperties properties) {
		this.properties = properties;
	}

	/**
	 * Resolves the limited methods of a bean class.
	 * @throws IllegalStateException naming the method whose settings are wrong
	 */
	void register(Class<?> targetClass) {
		Set<Method> candidates = new HashSet<>();
		if (Proxy.isProxyClass(targetClass)) {
			for (Class<?> type : targetClass.getInterfaces()) {
				candidates.addAll(java.util.List.of(type.getMethods()));
			}
		}
		else {
			candidates.addAll(java.util.List.of(ReflectionUtils.getUniqueDeclaredMethods(targetClass)));
		}
		for (Method method : candidates) {
			get(method, targetClass);
		}
	}

	/**
	 * @return the resolved method, or {@code null} when it carries no limit
	 */
	LimitedMethod get(Method method, Class<?> targetClass) {
		MethodClassKey key = new MethodClassKey(method, targetClass);
		LimitedMethod found = this.methods.get(key);
		if (found != null || this.unlimited.containsKey(key)) {
			return found;
		}
		LimitedMethod resolved = resolve(method, targetClass);
		if (resolved == null) {
			this.unlimited.put(key, Boolean.TRUE);
			return null;
		}
		LimitedMethod previous = this.methods.putIfAbsent(key, resolved);
		return (previous != null) ? previous : resolved;
	}

	static boolean isLimited(Method method, Class<?> targetClass) {
		return annotation(method, targetClass) != null;
	}

	private static RateLimited annotation(Method method, Class<?> targetClass) {
		if (method.getDeclaringClass() == Object.class || Modifier.isStatic(method.getModifiers())
				|| method.isSynthetic()) {
			return null;
		}
		Method specific = (targetClass != null) ? ClassUtils.getMostSpecificMethod(method, targetClass) : method;
		RateLimited found = AnnotatedElementUtils.findMergedAnnotation(specific, RateLimited.class);
		if (found == null && specific != method) {
			found = AnnotatedElementUtils.findMergedAnnotation(method, RateLimited.class);
		}
		if (found != null) {
			return found;
		}
		// handler methods are often package-private: a class-level limit covers them as well as public methods
		if (!Modifier.isPublic(method.getModifiers()) && !MergedAnnotations
			.from(specific, MergedAnnotations.SearchStrategy.TYPE_HIERARCHY)
			.isPresent(REQUEST_MAPPING)) {
			return null;
		}
		found = AnnotatedElementUtils.findMergedAnnotation(method.getDeclaringClass(), RateLimited.class);
		if (found == null && targetClass != null) {
			found = AnnotatedElementUtils.findMergedAnnotation(targetClass, RateLimited.class);
		}
		return found;
	}

	private LimitedMethod resolve(Method method, Class<?> targetClass) {
		RateLimited annotation = annotation(method, targetClass);
		if (annotation == null) {
			return null;
		}
		Class<?> owner = (targetClass == null || Proxy.isProxyClass(targetClass)) ? method.getDeclaringClass()
				: ClassUtils.getUserClass(targetClass);
		String name = StringUtils.hasText(annotation.name()) ? annotation.name()
				: owner.getSimpleName() + "." + method.getName();
		LimitSpec limit = this.properties.spec(name);
		try {
			limit.bandwidth();
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("Invalid settings of rate limit '" + name + "' (micro.ratelimit.instances."
					+ name + ".*, micro.ratelimit.defaults.*) used by " + method.toGenericString() + ": "
					+ ex.getMessage(), ex);
		}
		String keySource = StringUtils.hasText(annotation.key()) ? annotation.key() : limit.key();
		Expression key = StringUtils.hasText(keySource) ? parseKey(keySource, method) : null;
		boolean server = switch (annotation.side()) {
			case SERVER -> true;
			case CLIENT -> false;
			case AUTO -> AnnotatedElementUtils.hasAnnotation(owner, Controller.class)
					|| MergedAnnotations.from(method, MergedAnnotations.SearchStrategy.TYPE_HIERARCHY)
						.isPresent(REQUEST_MAPPING);
		};
		return new LimitedMethod(method, limit, key, server, result(method.getReturnType()), this.parameterNames);
	}

	private Expression parseKey(String source, Method method) {
		Expression expression;
		try {
			expression = this.parser.parseExpression(source);
		}
		catch (ParseException ex) {
			throw new IllegalStateException(
					"Invalid @RateLimited key '" + source + "' on " + method.toGenericString() + ": " + ex.getMessage(),
					ex);
		}
		String[] names = this.parameterNames.getParameterNames(method);
		Set<String> known = new HashSet<>(REQUEST_VARIABLES);
		for (int i = 0; i < method.getParameterCount(); i++) {
			known.add("p" + i);
			known.add("a" + i);
			if (names != null) {
				known.add(names[i]);
			}
		}
		Matcher variables = VARIABLE.matcher(source.replaceAll("'[^']*'", "''"));
		while (variables.find()) {
			if (!known.contains(variables.group(1))) {
				throw new IllegalStateException("@RateLimited key '" + source + "' on " + method.toGenericString()
						+ " refers to #" + variables.group(1) + ", which is neither an argument nor one of "
						+ "#request, #headers, #remoteAddress, #pathVariables");
			}
		}
		return expression;
	}

	private static LimitedMethod.Result result(Class<?> type) {
		if (REACTOR_PRESENT) {
			if (type.isAssignableFrom(reactor.core.publisher.Mono.class)
					&& !type.isAssignableFrom(reactor.core.publisher.Flux.class)) {
				return LimitedMethod.Result.MONO;
			}
			if (org.reactivestreams.Publisher.class.isAssignableFrom(type) && type != Object.class) {
				return LimitedMethod.Result.FLUX;
			}
		}
		if (java.util.concurrent.CompletionStage.class.isAssignableFrom(type)
				&& type.isAssignableFrom(CompletableFuture.class)) {
			return LimitedMethod.Result.STAGE;
		}
		return LimitedMethod.Result.PLAIN;
	}

	static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Mono",
			LimitedMethods.class.getClassLoader());

}
