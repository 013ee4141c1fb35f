package io.github.microspring.metadata;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

class ContextWriteTests {

	private static final MetadataThreadLocalAccessor ACCESSOR = new MetadataThreadLocalAccessor();

	private final Metadata metadata = Metadata.of(Map.of("X-User", "alice"));

	@Test
	void valueIsInTheContextAndBoundWhileSubscribing() {
		Mono<String> seen = Mono.deferContextual((context) -> Mono.just(
				context.<Metadata>get(MetadataThreadLocalAccessor.KEY).get("X-User") + "/" + Metadata.current().get("X-User")));
		assertThat(ContextWrite.write(seen, MetadataThreadLocalAccessor.KEY, this.metadata, ACCESSOR).block())
			.isEqualTo("alice/alice");
		assertThat(Metadata.bound()).isNull();
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
		ContextWrite.write(onRequest, MetadataThreadLocalAccessor.KEY, this.metadata, ACCESSOR).subscribe(later);
		assertThat(atRequest.get()).isNull();
		later.request(1);
		assertThat(atRequest.get()).isSameAs(this.metadata);
		assertThat(Metadata.bound()).isNull();
	}

	@Test
	void downstreamSeesTheValueOfItsOwnContext() {
		Metadata outer = Metadata.of(Map.of("X-User", "bob"));
		AtomicReference<Metadata> downstream = new AtomicReference<>();
		Mono<Metadata> written = ContextWrite.write(Mono.fromCallable(Metadata::current), MetadataThreadLocalAccessor.KEY,
				this.metadata, ACCESSOR);
		try (Metadata.Scope scope = outer.open()) {
			Metadata upstream = written.doOnNext((value) -> downstream.set(Metadata.current()))
				.contextWrite((context) -> context.put(MetadataThreadLocalAccessor.KEY, outer))
				.block();
			assertThat(upstream).isSameAs(this.metadata);
			assertThat(Metadata.current()).isSameAs(outer);
		}
		assertThat(downstream.get()).isSameAs(outer);
		assertThat(Metadata.bound()).isNull();
	}

	@Test
	void errorsReachDownstreamWithoutTheValue() {
		AtomicReference<Metadata> atError = new AtomicReference<>();
		Mono<Object> failing = ContextWrite.write(Mono.error(new IllegalStateException("boom")),
				MetadataThreadLocalAccessor.KEY, this.metadata, ACCESSOR);
		assertThat(failing.doOnError((ex) -> atError.set(Metadata.current())).onErrorReturn("fallback").block())
			.isEqualTo("fallback");
		assertThat(atError.get()).isSameAs(Metadata.empty());
	}

}
