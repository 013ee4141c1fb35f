package io.github.microspring.deadline;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

import io.github.microspring.client.OutgoingWebClientCustomizer;
import io.github.microspring.metadata.ChainContext;
import io.github.microspring.metadata.ChainContextThreadLocalAccessor;

import org.springframework.lang.Nullable;
import org.springframework.util.ClassUtils;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Deadline and per-try timeout on every WebClient the application builds, inside the load balancer (last
 * filter): a try is refused once the deadline is spent, else it sends what is left and is cut at the smaller
 * of that and the per-try timeout. A load-balanced call gets the per-try timeout also without a deadline, so
 * a frozen instance costs one bounded wait and a GET moves on to the next one.
 */
class DeadlineWebClientCustomizer implements OutgoingWebClientCustomizer {

	private final String header;

	private final Duration perTryTimeout;

	DeadlineWebClientCustomizer(String header, Duration perTryTimeout) {
		this.header = header;
		this.perTryTimeout = perTryTimeout;
	}

	@Override
	public void customize(WebClient.Builder builder) {
		builder.filters((filters) -> {
			if (filters.stream().noneMatch(PerTry.class::isInstance)) {
				filters.add(new PerTry(this.header, Balancers.anyIn(filters) ? this.perTryTimeout : null));
			}
		});
	}

	@Nullable
	static Deadline deadlineOf(ContextView context) {
		ChainContext carried = context.getOrDefault(ChainContextThreadLocalAccessor.KEY, null);
		Deadline deadline = (carried != null) ? carried.deadline() : null;
		return (deadline != null) ? deadline : Deadline.current();
	}

	private static DeadlineExceededException exceeded(String when, ClientRequest request, @Nullable Throwable cause) {
		return new DeadlineExceededException("Deadline exceeded " + when + " " + request.method() + " " + request.url(),
				cause);
	}

	/**
	 * One try. A try cut by the deadline fails with {@link DeadlineExceededException}, which is not retried;
	 * one cut by the per-try timeout fails with a {@link TimeoutException}, which Spring Cloud retries on the
	 * next instance. The request is copied only to send the budget left.
	 */
	static final class PerTry implements ExchangeFilterFunction {

		private final String header;

		@Nullable
		private final Duration perTryTimeout;

		PerTry(String header, @Nullable Duration perTryTimeout) {
			this.header = header;
			this.perTryTimeout = perTryTimeout;
		}

		@Override
		public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
			return new Try(this, request, next);
		}

	}

	/**
	 * One try as one operator: reads the deadline from the context of its subscriber, sends what is left and
	 * cuts the try at its timeout, on every connector. Reactor's {@code deferContextual}, {@code timeout} and
	 * {@code onErrorMap} would make six operators of it, the timer among them, each a restore point of context
	 * propagation on every signal of every call; on Reactor Netty a response timeout would add a handler to the
	 * connection's pipeline and remove it again on every request.
	 */
	private static final class Try extends Mono<ClientResponse> {

		private final PerTry filter;

		private final ClientRequest request;

		private final ExchangeFunction next;

		Try(PerTry filter, ClientRequest request, ExchangeFunction next) {
			this.filter = filter;
			this.request = request;
			this.next = next;
		}

		@Override
		public void subscribe(CoreSubscriber<? super ClientResponse> actual) {
			Deadline deadline = deadlineOf(actual.currentContext());
			Duration timeout = this.filter.perTryTimeout;
			ClientRequest sent = this.request;
			if (deadline != null) {
				Duration remaining = deadline.remaining();
				if (remaining.isZero()) {
					Operators.error(actual, exceeded("before", this.request, null));
					return;
				}
				sent = ClientRequest.from(this.request)
					.headers((headers) -> headers.set(this.filter.header, DeadlineHeaders.millis(remaining)))
					.build();
				if (timeout == null || remaining.compareTo(timeout) < 0) {
					timeout = remaining;
				}
			}
			Mono<ClientResponse> exchange;
			try {
				exchange = this.next.exchange(sent);
			}
			catch (Throwable failure) {
				Operators.error(actual, Operators.onOperatorError(failure, actual.currentContext()));
				return;
			}
			if (timeout == null) {
				exchange.subscribe(actual);
				return;
			}
			exchange.subscribe(new Cut(actual, timeout, deadline, this.request));
		}

	}

	/**
	 * Passes the answer of one try on, or cuts the try once its timeout has passed: cancels it and fails with a
	 * {@link TimeoutException}, or a {@link DeadlineExceededException} when the deadline is spent. The timer runs
	 * on Reactor's parallel scheduler, as {@code timeout}'s does.
	 */
	private static final class Cut implements CoreSubscriber<ClientResponse>, Subscription, Runnable {

		private static final int WAITING = 0;

		private static final int ANSWERED = 1;

		private static final int CUT = 2;

		private static final AtomicIntegerFieldUpdater<Cut> STATE = AtomicIntegerFieldUpdater.newUpdater(Cut.class,
				"state");

		private final CoreSubscriber<? super ClientResponse> actual;

		private final Duration timeout;

		@Nullable
		private final Deadline deadline;

		private final ClientRequest request;

		private volatile int state;

		@Nullable
		private volatile Disposable timer;

		private Subscription upstream;

		Cut(CoreSubscriber<? super ClientResponse> actual, Duration timeout, @Nullable Deadline deadline,
				ClientRequest request) {
			this.actual = actual;
			this.timeout = timeout;
			this.deadline = deadline;
			this.request = request;
		}

		@Override
		public Context currentContext() {
			return this.actual.currentContext();
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			if (Operators.validate(this.upstream, subscription)) {
				this.upstream = subscription;
				this.actual.onSubscribe(this);
				if (this.state == WAITING) {
					startTimer();
				}
			}
		}

		@Override
		public void onNext(ClientResponse response) {
			if (!passes()) {
				Operators.onDiscard(response, currentContext());
				return;
			}
			this.actual.onNext(response);
		}

		@Override
		public void onError(Throwable failure) {
			if (!passes()) {
				Operators.onErrorDropped(failure, currentContext());
				return;
			}
			this.actual.onError(cut(failure, this.deadline, this.request));
		}

		@Override
		public void onComplete() {
			if (passes()) {
				this.actual.onComplete();
			}
		}

		private void startTimer() {
			Disposable timer;
			try {
				timer = Schedulers.parallel().schedule(this, this.timeout.toNanos(), TimeUnit.NANOSECONDS);
			}
			catch (RejectedExecutionException ex) {
				// the scheduler is shut down: the application is stopping
				if (STATE.compareAndSet(this, WAITING, CUT)) {
					this.upstream.cancel();
					this.actual.onError(Operators.onRejectedExecution(ex, currentContext()));
				}
				return;
			}
			this.timer = timer;
			if (this.state != WAITING) {
				timer.dispose();
			}
		}

		/**
		 * The timer: cuts the try unless it was answered first.
		 */
		@Override
		public void run() {
			if (STATE.compareAndSet(this, WAITING, CUT)) {
				this.upstream.cancel();
				this.actual.onError(cut(new TimeoutException("Did not observe any item or terminal signal within "
						+ this.timeout.toMillis() + "ms"), this.deadline, this.request));
			}
		}

		@Override
		public void request(long n) {
			this.upstream.request(n);
		}

		@Override
		public void cancel() {
			answered();
			this.upstream.cancel();
		}

		/**
		 * Whether a signal from upstream goes on: not once the try was cut.
		 */
		private boolean passes() {
			return this.state == ANSWERED || answered();
		}

		/**
		 * Marks the try answered (or cancelled) and stops its timer, the first time.
		 * @return whether the try was still waiting
		 */
		private boolean answered() {
			if (STATE.compareAndSet(this, WAITING, ANSWERED)) {
				Disposable timer = this.timer;
				if (timer != null) {
					timer.dispose();
				}
				return true;
			}
			return false;
		}

	}

	private static Throwable cut(Throwable failure, @Nullable Deadline deadline, ClientRequest request) {
		boolean timedOut = failure instanceof TimeoutException || ReactorNetty.isResponseTimeout(failure);
		if (!timedOut) {
			return failure;
		}
		if (deadline != null && deadline.isExpired()) {
			return exceeded("during", request, failure);
		}
		// Spring Cloud retries a java.util.concurrent.TimeoutException, not Netty's
		return (failure instanceof TimeoutException) ? failure
				: new TimeoutException("No response within the per-try timeout from " + request.url());
	}

	/**
	 * Kept apart so that Reactor Netty's classes are only loaded when they are there: a response timeout the
	 * application set on its own {@code HttpClient} fails a try with Netty's exception.
	 */
	private static final class ReactorNetty {

		private static final boolean PRESENT = ClassUtils.isPresent("io.netty.handler.timeout.ReadTimeoutException",
				ReactorNetty.class.getClassLoader());

		static boolean isResponseTimeout(Throwable failure) {
			if (!PRESENT) {
				return false;
			}
			for (Throwable cause = failure; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
				if (cause instanceof io.netty.handler.timeout.ReadTimeoutException) {
					return true;
				}
			}
			return false;
		}

	}

}
