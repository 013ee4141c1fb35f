package io.github.microspring.deadline;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class DeadlineTests {

	private final AtomicLong now = new AtomicLong();

	@Test
	void timeoutIsTheSmallerOfOwnAndWhatIsLeft() {
		assertThat(Deadline.timeout(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
		try (Deadline.Scope scope = Deadline.after(Duration.ofMillis(300), this.now::get).open()) {
			assertThat(Deadline.timeout(Duration.ofSeconds(1))).isEqualTo(Duration.ofMillis(300));
			assertThat(Deadline.timeout(Duration.ofMillis(100))).isEqualTo(Duration.ofMillis(100));
			this.now.addAndGet(Duration.ofSeconds(1).toNanos());
			assertThat(Deadline.timeout(Duration.ofSeconds(1))).isZero();
		}
		assertThat(Deadline.current()).isNull();
	}

	@Test
	void checkThrowsOnceSpent() {
		Deadline deadline = Deadline.after(Duration.ofMillis(10), this.now::get);
		deadline.check("the call");
		this.now.addAndGet(Duration.ofMillis(10).toNanos());
		assertThatExceptionOfType(DeadlineExceededException.class).isThrownBy(() -> deadline.check("the call"))
			.withMessageContaining("the call");
	}

	@Test
	void scopeRestoresThePreviousDeadline() {
		Deadline outer = Deadline.after(Duration.ofSeconds(5), this.now::get);
		Deadline inner = Deadline.after(Duration.ofSeconds(1), this.now::get);
		try (Deadline.Scope first = outer.open()) {
			try (Deadline.Scope second = inner.open()) {
				assertThat(Deadline.current()).isSameAs(inner);
			}
			assertThat(Deadline.current()).isSameAs(outer);
		}
		assertThat(Deadline.current()).isNull();
	}

}
