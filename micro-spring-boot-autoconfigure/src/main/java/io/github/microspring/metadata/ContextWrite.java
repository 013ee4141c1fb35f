package io.github.microspring.metadata;

import java.lang.reflect.Field;
import java.util.function.UnaryOperator;

import io.micrometer.context.ThreadLocalAccessor;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;
import reactor.util.context.Context;

import org.springframework.lang.Nullable;

/**
 * Puts one value into the Reactor context of a request and binds it to the thread for the work that runs
 * synchronously under each signal, as {@code contextWrite} does with automatic context propagation. That
 * operator sets and restores every registered thread-local (the observation's among them, with a new scope
 * and a map of previous values) on each signal; this one sets and restores only its own, which is all that
 * differs from the context around it. For the web filters of metadata and deadlines, on every request.
 */
public final class ContextWrite {

	private ContextWrite() {
	}

	/**
	 * {@code source} with a value under {@code key} in its context, bound through {@code accessor} to the
	 * thread while it is subscribed and while requests and cancellation travel up to it; downstream signals
	 * see the value of the context downstream, as with Reactor's own operator.
	 * @param update the value to write, from the one under {@code key} downstream ({@code null} when there is
	 * none), so that two filters can each set their part of one value
	 */
	public static <T, V> Mono<T> write(Mono<T> source, Object key, UnaryOperator<V> update,
			ThreadLocalAccessor<V> accessor) {
		return new Write<>(source, key, update, accessor);
	}

	/**
	 * Reactor's mark of its own operators, which it does not wrap in a subscriber that restores every registered
	 * thread-local on every signal; {@code null} where Reactor does not let it be read.
	 */
	@Nullable
	private static final Scannable.Attr<?> INTERNAL = internalProducer();

	@Nullable
	private static Scannable.Attr<?> internalProducer() {
		try {
			Field field = Class.forName("reactor.core.publisher.InternalProducerAttr", false, Mono.class.getClassLoader())
				.getDeclaredField("INSTANCE");
			field.setAccessible(true);
			return (Scannable.Attr<?>) field.get(null);
		}
		catch (ReflectiveOperationException | RuntimeException | LinkageError ex) {
			return null;
		}
	}

	private static final class Write<T, V> extends MonoOperator<T, T> {

		private final Object key;

		private final UnaryOperator<V> update;

		private final ThreadLocalAccessor<V> accessor;

		Write(Mono<T> source, Object key, UnaryOperator<V> update, ThreadLocalAccessor<V> accessor) {
			super(source);
			this.key = key;
			this.update = update;
			this.accessor = accessor;
		}

		/**
		 * Marked as one of Reactor's own operators: with automatic context propagation Reactor would otherwise
		 * wrap each subscriber of this operator in one that sets and restores every registered thread-local on
		 * every signal, which {@link Bound} makes needless. Signals reach {@link Bound} from Reactor's operators
		 * with the thread-locals of the context upstream, which differs from the one downstream only in the
		 * value {@link Bound} binds.
		 */
		@Override
		@Nullable
		public Object scanUnsafe(Attr key) {
			if (key == INTERNAL) {
				return true;
			}
			return super.scanUnsafe(key);
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			Context downstream = actual.currentContext();
			V outer = downstream.getOrDefault(this.key, null);
			V value = this.update.apply(outer);
			Context context = downstream.put(this.key, value);
			V previous = bind(this.accessor, value);
			try {
				this.source.subscribe(new Bound<>(actual, context, value, outer, this.accessor));
			}
			finally {
				bind(this.accessor, previous);
			}
		}

	}

	private static final class Bound<T, V> implements CoreSubscriber<T>, Subscription {

		private final CoreSubscriber<? super T> actual;

		private final Context context;

		private final V value;

		@Nullable
		private final V downstream;

		private final ThreadLocalAccessor<V> accessor;

		private Subscription upstream;

		Bound(CoreSubscriber<? super T> actual, Context context, V value, @Nullable V downstream,
				ThreadLocalAccessor<V> accessor) {
			this.actual = actual;
			this.context = context;
			this.value = value;
			this.downstream = downstream;
			this.accessor = accessor;
		}

		@Override
		public Context currentContext() {
			return this.context;
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			this.upstream = subscription;
			V previous = bind(this.accessor, this.downstream);
			try {
				this.actual.onSubscribe(this);
			}
			finally {
				bind(this.accessor, previous);
			}
		}

		@Override
		public void onNext(T item) {
			V previous = bind(this.accessor, this.downstream);
			try {
				this.actual.onNext(item);
			}
			finally {
				bind(this.accessor, previous);
			}
		}

		@Override
		public void onError(Throwable failure) {
			V previous = bind(this.accessor, this.downstream);
			try {
				this.actual.onError(failure);
			}
			finally {
				bind(this.accessor, previous);
			}
		}

		@Override
		public void onComplete() {
			V previous = bind(this.accessor, this.downstream);
			try {
				this.actual.onComplete();
			}
			finally {
				bind(this.accessor, previous);
			}
		}

		@Override
		public void request(long n) {
			V previous = bind(this.accessor, this.value);
			try {
				this.upstream.request(n);
			}
			finally {
				bind(this.accessor, previous);
			}
		}

		@Override
		public void cancel() {
			V previous = bind(this.accessor, this.value);
			try {
				this.upstream.cancel();
			}
			finally {
				bind(this.accessor, previous);
			}
		}

	}

	/**
	 * Binds {@code value}, leaving the thread-local alone when it already holds it: most signals find the value
	 * they need already there (the same request's, or none), and restoring then finds nothing changed either.
	 * @return the value bound before
	 */
	@Nullable
	private static <V> V bind(ThreadLocalAccessor<V> accessor, @Nullable V value) {
		V previous = accessor.getValue();
		if (previous == value) {
			return previous;
		}
		if (value != null) {
			accessor.setValue(value);
		}
		else {
			accessor.setValue();
		}
		return previous;
	}

}
