package io.github.microspring.breaker;

import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.bulkhead.operator.BulkheadOperator;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.timelimiter.TimeLimiter;
import org.aopalliance.intercept.MethodInvocation;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.util.ClassUtils;

/**
 * One advised method: runs each call in Hystrix's order (breaker outside, then the concurrency cap, then the
 * timeout), so timeouts and rejections reach the breaker as failures, and answers failures with the fallback.
 */
final class BreakerCall {

	private static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Mono",
			BreakerCall.class.getClassLoader());

	enum Kind {

		BLOCKING, MONO, FLUX, STAGE;

		static Kind of(Method method) {
			Class<?> type = method.getReturnType();
			if (REACTOR_PRESENT && Mono.class.isAssignableFrom(type)) {
				return MONO;
			}
			if (REACTOR_PRESENT && Flux.class.isAssignableFrom(type)) {
				return FLUX;
			}
			if (CompletionStage.class.isAssignableFrom(type)) {
				return STAGE;
			}
			return BLOCKING;
		}

	}

	private final Class<?> targetClass;

	private final Breaker breaker;

	private final Kind kind;

	private final Fallback fallback;

	private final BreakerTimeoutBudget budget;

	private final CallContext context;

	private final Breakers breakers;

	BreakerCall(Class<?> targetClass, Breaker breaker, Kind kind, Fallback fallback, BreakerTimeoutBudget budget,
			CallContext context, Breakers breakers) {
		this.targetClass = targetClass;
		this.breaker = breaker;
		this.kind = kind;
		this.fallback = fallback;
		this.budget = budget;
		this.context = context;
		this.breakers = breakers;
	}

	Class<?> targetClass() {
		return this.targetClass;
	}

	Object invoke(MethodInvocation invocation) throws Throwable {
		return switch (this.kind) {
			case BLOCKING -> blocking(invocation);
			case MONO -> mono(invocation);
			case FLUX -> flux(invocation);
			case STAGE -> stage(invocation);
		};
	}

	private Duration timeout() {
		return this.budget.effectiveTimeout(this.breaker.timeout());
	}

	private Object blocking(MethodInvocation invocation) throws Throwable {
		CircuitBreaker circuitBreaker = this.breaker.circuitBreaker();
		try {
			// decided before the breaker is asked: a request deadline already spent is not the downstream's failure
			Duration timeout = timeout();
			circuitBreaker.acquirePermission();
			long start = circuitBreaker.getCurrentTimestamp();
			try {
				Object result = onPool(invocation, timeout);
				circuitBreaker.onResult(circuitBreaker.getCurrentTimestamp() - start,
						circuitBreaker.getTimestampUnit(), result);
				return result;
			}
			catch (Throwable ex) {
				circuitBreaker.onError(circuitBreaker.getCurrentTimestamp() - start, circuitBreaker.getTimestampUnit(),
						ex);
				throw ex;
			}
		}
		catch (Throwable ex) {
			if (this.fallback == null) {
				throw ex;
			}
			return this.fallback.call(target(invocation), invocation.getArguments(), ex);
		}
	}

	/**
	 * Runs the call on the breaker's bounded pool and waits at most the timeout for it, as Hystrix's thread
	 * isolation; the caller's thread context goes along.
	 */
	private Object onPool(MethodInvocation invocation, Duration timeout) throws Throwable {
		Bulkhead cap = this.breaker.bulkhead();
		cap.acquirePermission();
		Running running = new Running(invocation, cap);
		CompletableFuture<Object> future;
		try {
			future = this.breaker.pool().submit(this.context.wrap(running)).toCompletableFuture();
		}
		catch (RuntimeException ex) {
			cap.onComplete();
			throw ex;
		}
		TimeLimiter timeLimiter = this.breaker.timeLimiter();
		try {
			Object result = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
			timeLimiter.onSuccess();
			return result;
		}
		catch (TimeoutException ex) {
			if (this.breaker.settings().isCancelRunningFuture()) {
				running.interrupt();
			}
			TimeoutException timedOut = TimeLimiter.createdTimeoutExceptionWithName(this.breaker.name(), null);
			timeLimiter.onError(timedOut);
			throw timedOut;
		}
		catch (ExecutionException ex) {
			Throwable failure = unwrap(ex);
			timeLimiter.onError(failure);
			throw failure;
		}
		catch (InterruptedException ex) {
			running.interrupt();
			Thread.currentThread().interrupt();
			throw ex;
		}
	}

	private Object mono(MethodInvocation invocation) throws Throwable {
		Mono<Object> source = Mono.from(publisher(invocation));
		TimeLimiter timeLimiter = this.breaker.timeLimiter();
		Mono<Object> guarded = Mono.deferContextual((context) -> source
			.timeout(this.context.fromReactor(context, this::timeout), Mono.error(() -> timedOut()))
			.doOnSuccess((value) -> timeLimiter.onSuccess())
			.doOnError(timeLimiter::onError)
			.transformDeferred(BulkheadOperator.of(this.breaker.bulkhead()))
			.transformDeferred(CircuitBreakerOperator.of(this.breaker.circuitBreaker())));
		if (this.fallback == null) {
			return guarded;
		}
		Object target = target(invocation);
		Object[] arguments = invocation.getArguments();
		return guarded.onErrorResume((ex) -> Mono.from(fallbackPublisher(target, arguments, ex)));
	}

	private Object flux(MethodInvocation invocation) throws Throwable {
		Flux<Object> source = Flux.from(publisher(invocation));
		TimeLimiter timeLimiter = this.breaker.timeLimiter();
		Flux<Object> guarded = Flux.deferContextual((context) -> {
			// one deadline for the whole stream, not a fresh timeout per element
			long deadline = System.nanoTime() + this.context.fromReactor(context, this::timeout).toNanos();
			return source
				.timeout(Mono.delay(remaining(deadline)), (element) -> Mono.delay(remaining(deadline)),
						Mono.error(this::timedOut))
				.doOnComplete(timeLimiter::onSuccess)
				.doOnError(timeLimiter::onError)
				.transformDeferred(BulkheadOperator.of(this.breaker.bulkhead()))
				.transformDeferred(CircuitBreakerOperator.of(this.breaker.circuitBreaker()));
		});
		if (this.fallback == null) {
			return guarded;
		}
		Object target = target(invocation);
		Object[] arguments = invocation.getArguments();
		return guarded.onErrorResume((ex) -> Flux.from(fallbackPublisher(target, arguments, ex)));
	}

	private static Duration remaining(long deadline) {
		return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
	}

	private TimeoutException timedOut() {
		return TimeLimiter.createdTimeoutExceptionWithName(this.breaker.name(), null);
	}

	/**
	 * What the method returned, or its failure as an error signal so that it counts against the breaker.
	 */
	private static org.reactivestreams.Publisher<Object> publisher(MethodInvocation invocation) {
		try {
			@SuppressWarnings("unchecked")
			org.reactivestreams.Publisher<Object> result = (org.reactivestreams.Publisher<Object>) invocation.proceed();
			return (result != null) ? result : Mono.empty();
		}
		catch (Throwable ex) {
			return Mono.error(ex);
		}
	}

	@SuppressWarnings("unchecked")
	private org.reactivestreams.Publisher<Object> fallbackPublisher(Object target, Object[] arguments, Throwable ex) {
		try {
			return (org.reactivestreams.Publisher<Object>) this.fallback.call(target, arguments, ex);
		}
		catch (Throwable failure) {
			return Mono.error(failure);
		}
	}

	private Object stage(MethodInvocation invocation) throws Throwable {
		CompletableFuture<Object> outcome = guardedStage(invocation);
		if (this.fallback == null) {
			return outcome;
		}
		Object target = target(invocation);
		Object[] arguments = invocation.getArguments();
		return outcome.exceptionallyCompose((ex) -> {
			try {
				@SuppressWarnings("unchecked")
				CompletionStage<Object> answer = (CompletionStage<Object>) this.fallback.call(target, arguments,
						unwrap(ex));
				return answer;
			}
			catch (Throwable failure) {
				return CompletableFuture.failedFuture(failure);
			}
		});
	}

	private CompletableFuture<Object> guardedStage(MethodInvocation invocation) {
		CircuitBreaker circuitBreaker = this.breaker.circuitBreaker();
		Duration timeout;
		try {
			timeout = timeout();
			circuitBreaker.acquirePermission();
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
		long start = circuitBreaker.getCurrentTimestamp();
		Bulkhead bulkhead = this.breaker.bulkhead();
		try {
			bulkhead.acquirePermission();
		}
		catch (BulkheadFullException ex) {
			circuitBreaker.onError(circuitBreaker.getCurrentTimestamp() - start, circuitBreaker.getTimestampUnit(),
					ex);
			return CompletableFuture.failedFuture(ex);
		}
		CompletionStage<?> stage;
		try {
			stage = (CompletionStage<?>) invocation.proceed();
		}
		catch (Throwable ex) {
			stage = CompletableFuture.failedFuture(ex);
		}
		StageOutcome outcome = new StageOutcome(this, stage, bulkhead, start);
		outcome.timer = this.breakers.timer().schedule(outcome, timeout.toNanos(), TimeUnit.NANOSECONDS);
		stage.whenComplete(outcome);
		return outcome;
	}

	/**
	 * What the caller of a {@code CompletionStage} method gets: the stage's outcome, or a timeout, whichever comes
	 * first. The first one is recorded (breaker, time limiter, cap) before the caller hears of it, so a caller
	 * calling again at once finds its place under the cap free. One object serves as the future, the timeout task
	 * and the stage's callback, to keep the cost per call low.
	 */
	private static final class StageOutcome extends CompletableFuture<Object>
			implements Runnable, BiConsumer<Object, Throwable> {

		private static final AtomicIntegerFieldUpdater<StageOutcome> DECIDED = AtomicIntegerFieldUpdater
			.newUpdater(StageOutcome.class, "decided");

		private final BreakerCall call;

		private final CompletionStage<?> stage;

		private final Bulkhead bulkhead;

		private final long start;

		private volatile int decided;

		volatile ScheduledFuture<?> timer;

		StageOutcome(BreakerCall call, CompletionStage<?> stage, Bulkhead bulkhead, long start) {
			this.call = call;
			this.stage = stage;
			this.bulkhead = bulkhead;
			this.start = start;
		}

		@Override
		public void run() {
			TimeoutException timedOut = this.call.timedOut();
			if (decide(null, timedOut)) {
				completeExceptionally(timedOut);
				if (this.call.breaker.settings().isCancelRunningFuture()) {
					this.stage.toCompletableFuture().cancel(true);
				}
			}
		}

		@Override
		public void accept(Object result, Throwable ex) {
			Throwable failure = (ex != null) ? unwrap(ex) : null;
			if (decide(result, failure)) {
				if (failure == null) {
					complete(result);
				}
				else {
					completeExceptionally(failure);
				}
			}
		}

		private boolean decide(Object result, Throwable failure) {
			if (!DECIDED.compareAndSet(this, 0, 1)) {
				return false;
			}
			ScheduledFuture<?> timer = this.timer;
			if (timer != null) {
				timer.cancel(false);
			}
			this.bulkhead.onComplete();
			CircuitBreaker circuitBreaker = this.call.breaker.circuitBreaker();
			TimeLimiter timeLimiter = this.call.breaker.timeLimiter();
			long duration = circuitBreaker.getCurrentTimestamp() - this.start;
			if (failure == null) {
				timeLimiter.onSuccess();
				circuitBreaker.onResult(duration, circuitBreaker.getTimestampUnit(), result);
			}
			else {
				timeLimiter.onError(failure);
				circuitBreaker.onError(duration, circuitBreaker.getTimestampUnit(), failure);
			}
			return true;
		}

	}

	private static Object target(MethodInvocation invocation) {
		Object target = invocation.getThis();
		// an HTTP interface client has no target: its fallback is a default method, called through the proxy
		return (target != null || !(invocation instanceof ProxyMethodInvocation proxied)) ? target : proxied.getProxy();
	}

	static Throwable unwrap(Throwable ex) {
		Throwable failure = ex;
		while ((failure instanceof CompletionException || failure instanceof ExecutionException
				|| failure instanceof UndeclaredThrowableException) && failure.getCause() != null) {
			failure = failure.getCause();
		}
		return failure;
	}

	/**
	 * A blocking call on a pool thread, which a timeout may interrupt while, and only while, it runs. It gives
	 * back its place under the cap when it ends, before its caller hears of the result, so a caller calling again
	 * at once finds the place free; a call abandoned after a timeout keeps its place until it really ends.
	 */
	static final class Running implements Callable<Object> {

		private final MethodInvocation invocation;

		private final Bulkhead cap;

		private Thread thread;

		private boolean interrupted;

		Running(MethodInvocation invocation, Bulkhead cap) {
			this.invocation = invocation;
			this.cap = cap;
		}

		@Override
		public Object call() throws Exception {
			try {
				return run();
			}
			finally {
				this.cap.onComplete();
			}
		}

		private Object run() throws Exception {
			synchronized (this) {
				if (this.interrupted) {
					throw new CancellationException("Timed out before it started");
				}
				this.thread = Thread.currentThread();
			}
			try {
				return this.invocation.proceed();
			}
			catch (Exception | Error ex) {
				throw ex;
			}
			catch (Throwable ex) {
				throw new UndeclaredThrowableException(ex);
			}
			finally {
				boolean interrupted;
				synchronized (this) {
					this.thread = null;
					interrupted = this.interrupted;
				}
				if (interrupted) {
					// the interrupt was meant for this call only, not for the next task of the pool thread
					Thread.interrupted();
				}
			}
		}

		void interrupt() {
			synchronized (this) {
				this.interrupted = true;
				if (this.thread != null) {
					this.thread.interrupt();
				}
			}
		}

	}

}
