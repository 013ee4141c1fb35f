package io.github.microspring.ratelimit;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.util.ClassUtils;
import org.springframework.web.server.ServerWebExchange;

/**
 * The rate-limited calls of methods returning {@code Mono} or {@code Flux}: decided on subscription, waiting
 * (client side) on Bucket4j's scheduler rather than on a thread.
 */
final class ReactiveCalls {

	private static final boolean WEBFLUX_PRESENT = ClassUtils.isPresent(
			"org.springframework.web.server.ServerWebExchange", ReactiveCalls.class.getClassLoader());

	private ReactiveCalls() {
	}

	static Object server(RateLimiter limiter, RateLimitHeaders headers, LimitedMethod method,
			ProxyMethodInvocation call) {
		Mono<Decision> decided = Mono.deferContextual((context) -> {
			InboundRequest inbound = WEBFLUX_PRESENT ? exchange(context) : null;
			String key = method.key(call.getArguments(), inbound);
			return Mono.fromFuture(() -> limiter.decideAsync(method.limit(), key)).map((decision) -> {
				if (!decision.allowed()) {
					throw headers.refused(method, decision);
				}
				if (inbound != null) {
					inbound.setHeaders(headers.allowed(method, decision));
				}
				return decision;
			});
		});
		return then(decided, method, call);
	}

	static Object client(RateLimiter limiter, LimitedMethod method, ProxyMethodInvocation call,
			InboundRequest inbound) {
		Mono<Boolean> taken = Mono.defer(() -> {
			String key = method.key(call.getArguments(), inbound);
			return Mono.fromFuture(() -> limiter.takeAsync(method.limit(), key)).thenReturn(Boolean.TRUE);
		});
		return then(taken, method, call);
	}

	private static Object then(Mono<?> gate, LimitedMethod method, ProxyMethodInvocation call) {
		if (method.result() == LimitedMethod.Result.MONO) {
			return gate.flatMap((ignored) -> Mono.from(proceed(call)));
		}
		return gate.flatMapMany((ignored) -> Flux.from(proceed(call)));
	}

	private static InboundRequest exchange(reactor.util.context.ContextView context) {
		ServerWebExchange exchange = context.getOrDefault(ServerWebExchange.class, null);
		return (exchange != null) ? new ExchangeInboundRequest(exchange) : null;
	}

	@SuppressWarnings("unchecked")
	private static Publisher<Object> proceed(ProxyMethodInvocation call) {
		try {
			Object result = call.proceed();
			return (result != null) ? (Publisher<Object>) result : Mono.empty();
		}
		catch (Throwable ex) {
			return Mono.error(ex);
		}
	}

}
