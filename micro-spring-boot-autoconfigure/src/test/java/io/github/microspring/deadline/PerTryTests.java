package io.github.microspring.deadline;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;

import io.github.microspring.metadata.ChainContext;
import io.github.microspring.metadata.ChainContextThreadLocalAccessor;
import io.github.microspring.metadata.Metadata;

import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The one operator a WebClient try is: refusal of a spent deadline, the budget sent, and the cut at the per-try
 * timeout or the deadline, with the try cancelled.
 */
class PerTryTests {

	private static final String HEADER = "X-Micro-Timeout";

	private static final ClientRequest REQUEST = ClientRequest
		.create(HttpMethod.GET, URI.create("http://comment-service/comments"))
		.build();

	@Test
	void aTryWithoutAnswerIsCutAtThePerTryTimeoutAndCancelled() {
		AtomicBoolean cancelled = new AtomicBoolean();
		ExchangeFunction silent = (request) -> Mono.<ClientResponse>never().doOnCancel(() -> cancelled.set(true));
		Mono<ClientResponse> call = new DeadlineWebClientCustomizer.PerTry(HEADER, Duration.ofMillis(200))
			.filter(REQUEST, silent);
		assertThatThrownBy(() -> call.block(Duration.ofSeconds(10)))
			.satisfies((failure) -> assertThat(Exceptions.unwrap(failure)).isInstanceOf(TimeoutException.class)
				.hasMessageContaining("200ms"));
		assertThat(cancelled).isTrue();
	}

	@Test
	void aDeadlineSpentDuringTheTryFailsItAsExceededAndTheBudgetLeftWasSent() {
		AtomicReference<ClientRequest> sent = new AtomicReference<>();
		ExchangeFunction silent = (request) -> {
			sent.set(request);
			return Mono.never();
		};
		ChainContext context = ChainContext.of(Metadata.empty(), Deadline.after(Duration.ofMillis(300)));
		Mono<ClientResponse> call = new DeadlineWebClientCustomizer.PerTry(HEADER, Duration.ofSeconds(30))
			.filter(REQUEST, silent)
			.contextWrite((reactor) -> reactor.put(ChainContextThreadLocalAccessor.KEY, context));
		assertThatThrownBy(() -> call.block(Duration.ofSeconds(10)))
			.satisfies((failure) -> assertThat(Exceptions.unwrap(failure)).isInstanceOf(DeadlineExceededException.class)
				.hasMessageContaining("during GET http://comment-service/comments"));
		assertThat(Long.parseLong(sent.get().headers().getFirst(HEADER))).isBetween(1L, 300L);
	}

	@Test
	void aSpentDeadlineRefusesTheTryWithoutSendingIt() {
		AtomicInteger calls = new AtomicInteger();
		ExchangeFunction counting = (request) -> {
			calls.incrementAndGet();
			return Mono.just(ClientResponse.create(HttpStatus.OK).build());
		};
		ChainContext spent = ChainContext.of(Metadata.empty(), Deadline.after(Duration.ZERO));
		Mono<ClientResponse> call = new DeadlineWebClientCustomizer.PerTry(HEADER, Duration.ofSeconds(5))
			.filter(REQUEST, counting)
			.contextWrite((reactor) -> reactor.put(ChainContextThreadLocalAccessor.KEY, spent));
		assertThatThrownBy(() -> call.block(Duration.ofSeconds(10)))
			.satisfies((failure) -> assertThat(Exceptions.unwrap(failure)).isInstanceOf(DeadlineExceededException.class)
				.hasMessageContaining("before"));
		assertThat(calls).hasValue(0);
	}

	@Test
	void anAnswerInTimeGoesThroughAndAFailureIsNotMistakenForATimeout() {
		ExchangeFunction answering = (request) -> Mono.just(ClientResponse.create(HttpStatus.ACCEPTED).build());
		DeadlineWebClientCustomizer.PerTry perTry = new DeadlineWebClientCustomizer.PerTry(HEADER, Duration.ofSeconds(5));
		assertThat(perTry.filter(REQUEST, answering).block(Duration.ofSeconds(10)).statusCode())
			.isEqualTo(HttpStatus.ACCEPTED);
		IllegalStateException refused = new IllegalStateException("connection refused");
		assertThatThrownBy(() -> perTry.filter(REQUEST, (request) -> Mono.error(refused)).block(Duration.ofSeconds(10)))
			.isSameAs(refused);
	}

}
