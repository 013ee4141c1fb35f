package io.github.microspring.ratelimit;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.util.ClassUtils;

/**
 * Applies the limit of a {@link RateLimited} method: server side it refuses a call over the limit with a
 * {@link RateLimitExceededException} and sets the RateLimit fields on allowed answers; client side it waits
 * for a token (without holding a thread for {@code Mono}, {@code Flux} and {@code CompletionStage}).
 */
class RateLimitInterceptor implements MethodInterceptor {

	private static final boolean SERVLET_PRESENT = ClassUtils.isPresent(
			"org.springframework.web.context.request.ServletRequestAttributes", RateLimitInterceptor.class.getClassLoader())
			&& ClassUtils.isPresent("jakarta.servlet.http.HttpServletRequest", RateLimitInterceptor.class.getClassLoader());

	private final LimitedMethods methods;

	private final RateLimiter limiter;

	private final RateLimitHeaders headers;

	RateLimitInterceptor(LimitedMethods methods, RateLimiter limiter, RateLimitHeaders headers) {
		this.methods = methods;
		this.limiter = limiter;
		this.headers = headers;
	}

	@Override
	public Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		LimitedMethod method = this.methods.get(invocation.getMethod(),
				(target != null) ? AopUtils.getTargetClass(target) : null);
		if (method == null) {
			return invocation.proceed();
		}
		return method.server() ? server(invocation, method) : client(invocation, method);
	}

	private Object server(MethodInvocation invocation, LimitedMethod method) throws Throwable {
		InboundRequest servlet = SERVLET_PRESENT ? ServletInboundRequest.current() : null;
		if (servlet != null) {
			// Spring MVC: decided on the request thread, whatever the method returns
			Decision decision = this.limiter.decide(method.limit(), method.key(invocation.getArguments(), servlet));
			if (!decision.allowed()) {
				throw this.headers.refused(method, decision);
			}
			servlet.setHeaders(this.headers.allowed(method, decision));
			return invocation.proceed();
		}
		switch (method.result()) {
			case MONO, FLUX:
				return ReactiveCalls.server(this.limiter, this.headers, method, later(invocation));
			case STAGE:
				ProxyMethodInvocation stageCall = later(invocation);
				return this.limiter.decideAsync(method.limit(), method.key(invocation.getArguments(), null))
					.thenCompose((decision) -> {
						if (!decision.allowed()) {
							throw this.headers.refused(method, decision);
						}
						return proceedStage(stageCall);
					});
			default:
				Decision decision = this.limiter.decide(method.limit(), method.key(invocation.getArguments(), null));
				if (!decision.allowed()) {
					throw this.headers.refused(method, decision);
				}
				return invocation.proceed();
		}
	}

	private Object client(MethodInvocation invocation, LimitedMethod method) throws Throwable {
		InboundRequest inbound = SERVLET_PRESENT ? ServletInboundRequest.current() : null;
		switch (method.result()) {
			case MONO, FLUX:
				return ReactiveCalls.client(this.limiter, method, later(invocation), inbound);
			case STAGE:
				ProxyMethodInvocation stageCall = later(invocation);
				return this.limiter.takeAsync(method.limit(), method.key(invocation.getArguments(), inbound))
					.thenCompose((taken) -> proceedStage(stageCall));
			default:
				this.limiter.take(method.limit(), method.key(invocation.getArguments(), inbound));
				return invocation.proceed();
		}
	}

	/**
	 * @return a copy of the invocation that may proceed after this method has returned
	 */
	static ProxyMethodInvocation later(MethodInvocation invocation) {
		if (invocation instanceof ProxyMethodInvocation proxyInvocation) {
			return (ProxyMethodInvocation) proxyInvocation.invocableClone();
		}
		throw new IllegalStateException("Rate limits need a Spring AOP invocation, got " + invocation.getClass());
	}

	@SuppressWarnings("unchecked")
	private static CompletionStage<Object> proceedStage(ProxyMethodInvocation invocation) {
		try {
			Object result = invocation.proceed();
			return (result != null) ? (CompletionStage<Object>) result : CompletableFuture.completedFuture(null);
		}
		catch (RuntimeException ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new CompletionException(ex);
		}
	}

}
