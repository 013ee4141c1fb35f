package io.github.microspring.deadline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeadlineHeadersTests {

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final List<String> rejected = new ArrayList<>();

	private final DeadlineHeaders headers = new DeadlineHeaders("X-Micro-Timeout", Duration.ofSeconds(30), null, true,
			this.now::get, this.rejected::add);

	@Test
	void budgetInMillisecondsBecomesDeadlineOnTheMonotonicClock() {
		Deadline deadline = this.headers.deadline(Map.of("X-Micro-Timeout", "300")::get);
		assertThat(deadline.remaining()).isEqualTo(Duration.ofMillis(300));
		this.now.addAndGet(Duration.ofMillis(200).toNanos());
		assertThat(deadline.remaining()).isEqualTo(Duration.ofMillis(100));
		this.now.addAndGet(Duration.ofMillis(100).toNanos());
		assertThat(deadline.isExpired()).isTrue();
		assertThat(deadline.remaining()).isZero();
	}

	@Test
	void acceptsGrpcTimeoutInEachUnit() {
		assertThat(budget("grpc-timeout", "2S")).isEqualTo(Duration.ofSeconds(2));
		assertThat(budget("grpc-timeout", "150m")).isEqualTo(Duration.ofMillis(150));
		DeadlineHeaders generous = new DeadlineHeaders("X-Micro-Timeout", Duration.ofDays(1), null, true,
				this.now::get, this.rejected::add);
		assertThat(generous.deadline(Map.of("grpc-timeout", "3M")::get).remaining()).isEqualTo(Duration.ofMinutes(3));
		assertThat(generous.deadline(Map.of("grpc-timeout", "2H")::get).remaining()).isEqualTo(Duration.ofHours(2));
		assertThat(budget("grpc-timeout", "5000u")).isEqualTo(Duration.ofMillis(5));
		assertThat(budget("grpc-timeout", "7000000n")).isEqualTo(Duration.ofMillis(7));
		assertThat(this.rejected).isEmpty();
	}

	@Test
	void acceptsGoMicroTimeoutInNanoseconds() {
		assertThat(budget("Timeout", "5000000000")).isEqualTo(Duration.ofSeconds(5));
	}

	@Test
	void ownHeaderWinsOverTheOthers() {
		Deadline deadline = this.headers
			.deadline(Map.of("X-Micro-Timeout", "100", "grpc-timeout", "9S", "Timeout", "1")::get);
		assertThat(deadline.remaining()).isEqualTo(Duration.ofMillis(100));
	}

	@Test
	void malformedValuesAreIgnoredAndCounted() {
		assertThat(this.headers.deadline(Map.of("X-Micro-Timeout", "soon")::get)).isNull();
		assertThat(this.headers.deadline(Map.of("X-Micro-Timeout", "")::get)).isNull();
		assertThat(this.headers.deadline(Map.of("X-Micro-Timeout", "1.5")::get)).isNull();
		assertThat(this.headers.deadline(Map.of("grpc-timeout", "10x")::get)).isNull();
		assertThat(this.headers.deadline(Map.of("grpc-timeout", "123456789S")::get)).isNull();
		assertThat(this.rejected).containsOnly("malformed").hasSize(5);
	}

	@Test
	void negativeValuesAreIgnoredAndCounted() {
		assertThat(this.headers.deadline(Map.of("X-Micro-Timeout", "-300")::get)).isNull();
		assertThat(this.headers.deadline(Map.of("grpc-timeout", "-3S")::get)).isNull();
		assertThat(this.rejected).containsExactly("negative", "negative");
	}

	@Test
	void hugeValuesAreClampedToTheMaximumAndCounted() {
		assertThat(budget("X-Micro-Timeout", "86400000")).isEqualTo(Duration.ofSeconds(30));
		assertThat(budget("X-Micro-Timeout", "99999999999999999999999")).isEqualTo(Duration.ofSeconds(30));
		assertThat(budget("grpc-timeout", "99999999H")).isEqualTo(Duration.ofSeconds(30));
		assertThat(this.rejected).containsOnly("clamped").hasSize(3);
	}

	@Test
	void edgeServiceIgnoresArrivingBudgetsAndUsesItsDefault() {
		DeadlineHeaders edge = new DeadlineHeaders("X-Micro-Timeout", Duration.ofSeconds(30), Duration.ofSeconds(2),
				false, this.now::get, this.rejected::add);
		assertThat(edge.deadline(Map.of("X-Micro-Timeout", "100")::get).remaining()).isEqualTo(Duration.ofSeconds(2));
		assertThat(edge.deadline(Map.<String, String>of()::get).remaining()).isEqualTo(Duration.ofSeconds(2));
	}

	@Test
	void defaultBudgetAppliesOnlyWithoutOneArriving() {
		DeadlineHeaders withDefault = new DeadlineHeaders("X-Micro-Timeout", Duration.ofSeconds(30),
				Duration.ofSeconds(2), true, this.now::get, this.rejected::add);
		assertThat(withDefault.deadline(Map.of("X-Micro-Timeout", "100")::get).remaining())
			.isEqualTo(Duration.ofMillis(100));
		assertThat(withDefault.deadline(Map.<String, String>of()::get).remaining()).isEqualTo(Duration.ofSeconds(2));
	}

	@Test
	void noBudgetNoDeadline() {
		assertThat(this.headers.deadline(Map.<String, String>of()::get)).isNull();
	}

	@Test
	void sendsWholeMillisecondsAndAtLeastOneWhileNotSpent() {
		assertThat(DeadlineHeaders.millis(Duration.ofNanos(10))).isEqualTo("1");
		assertThat(DeadlineHeaders.millis(Duration.ofMillis(99).plusNanos(999_999))).isEqualTo("99");
		assertThat(DeadlineHeaders.millis(Duration.ZERO)).isEqualTo("0");
	}

	private Duration budget(String header, String value) {
		return this.headers.deadline(Map.of(header, value)::get).remaining();
	}

}
