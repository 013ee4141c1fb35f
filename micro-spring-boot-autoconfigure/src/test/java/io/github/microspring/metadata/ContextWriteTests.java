package io.github.microspring.metadata;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;

import io.github.microspring.deadline.Deadline;

import static org.assertj.core.api.Assertions.assertThat;

class ContextWriteTests {

	private static final ChainContextThreadLocalAccessor ACCESSOR = new ChainContextThreadLocalAccessor();

	private static final String KEY = ChainContextThreadLocalAccessor.KEY;

	private final Metadata metadata = Metadata.of(Map.of("X-User", "alice"));

	private final ChainContext carried = ChainContext.of(this.metadata, null);

	@Test
	void valueIsInTheContextAndBoundWhileSubscribing() {
		Mono<String> seen = Mono.deferContextual((context) -> Mono.just(context.<ChainContext>get(KEY)
			.metadata()
			.get("X-User") + "/" + Metadata.current().get("X-User")));
		assertThat(ContextWrite.write(seen, KEY, (outer) -> this.carried, ACCESSOR).block()).isEqualTo("alice/alice");
		assertThat(ChainContext.bound()).isNull();
	}

	@Test
	void valueIsBoundWhenWorkRunsOnALaterRequest() {
		AtomicReference<Metadata> atRequest = new AtomicReference<>();
		Mono<Metadata> onRequest = Mono.create((sink) -> sink.onRequest((n) -> {
			atRequest.set(Metadata.current());
			sink.success(Metadata.current());
		}));
		BaseSubscriber<Metadata> later = new BaseSubscriber<>() {

			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				// requests only once subscribing has returned
			}

		};
		ContextWrite.write(onRequest, KEY, (outer) -> this.carried, ACCESSOR).subscribe(later);
		assertThat(atRequest.get()).isNull();
		later.request(1);
		assertThat(atRequest.get()).isSameAs(this.metadata);
		assertThat(ChainContext.bound()).isNull();
	}

	@Test
	void downstreamSeesTheValueOfItsOwnContext() {
		ChainContext outer = ChainContext.of(Metadata.of(Map.of("X-User", "bob")), null);
		AtomicReference<Metadata> downstream = new AtomicReference<>();
		Mono<Metadata> written = ContextWrite.write(Mono.fromCallable(Metadata::current), KEY,
				(seen) -> this.carried, ACCESSOR);
		try (ChainContext.Scope scope = outer.open()) {
			Metadata upstream = written.doOnNext((value) -> downstream.set(Metadata.current()))
				.contextWrite((context) -> context.put(KEY, outer))
				.block();
			assertThat(upstream).isSameAs(this.metadata);
			assertThat(ChainContext.current()).isSameAs(outer);
		}
		assertThat(downstream.get()).isSameAs(outer.metadata());
		assertThat(ChainContext.bound()).isNull();
	}

	@Test
	void updateCombinesTheValueDownstreamWithItsOwnPart() {
		Deadline deadline = Deadline.after(Duration.ofSeconds(10));
		Mono<String> seen = Mono.fromCallable(() -> Metadata.current().get("X-User") + "/" + Deadline.current());
		Mono<String> written = ContextWrite.write(seen, KEY, (outer) -> outer.withDeadline(deadline), ACCESSOR);
		assertThat(written.contextWrite((context) -> context.put(KEY, this.carried)).block())
			.startsWith("alice/Deadline[remaining=");
		assertThat(ChainContext.bound()).isNull();
	}

	@Test
	void errorsReachDownstreamWithoutTheValue() {
		AtomicReference<Metadata> atError = new AtomicReference<>();
		Mono<Object> failing = ContextWrite.write(Mono.error(new IllegalStateException("boom")), KEY,
				(outer) -> this.carried, ACCESSOR);
		assertThat(failing.doOnError((ex) -> atError.set(Metadata.current())).onErrorReturn("fallback").block())
			.isEqualTo("fallback");
		assertThat(atError.get()).isSameAs(Metadata.empty());
	}

}
