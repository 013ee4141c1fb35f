package io.github.microspring.loadbalancer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.github.microspring.loadbalancer.TestInstances.MutableClock;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;

import static io.github.microspring.loadbalancer.TestInstances.instances;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Ejection of failing instances, timed with a clock the tests move.
 */
class EjectionsTests {

	private final MutableClock clock = new MutableClock();

	private final List<Duration> ejected = new CopyOnWriteArrayList<>();

	private final Ejections ejections = new Ejections(this.clock, 3, Duration.ofSeconds(10), Duration.ofSeconds(60),
			50, (instance, duration) -> this.ejected.add(duration));

	private final List<ServiceInstance> list = instances("svc", 4);

	private final ServiceInstance node = this.list.get(0);

	EjectionsTests() {
		this.ejections.instancesChanged("svc", this.list);
	}

	@Test
	void ejectsAfterConsecutiveFailures() {
		fail(this.node, 2);
		assertThat(this.ejections.isEjected(this.node)).isFalse();
		assertThat(this.ejections.anyEjected("svc")).isFalse();
		fail(this.node, 1);
		assertThat(this.ejections.isEjected(this.node)).isTrue();
		assertThat(this.ejections.anyEjected("svc")).isTrue();
		assertThat(this.ejected).containsExactly(Duration.ofSeconds(10));
	}

	@Test
	void successResetsTheFailureCount() {
		fail(this.node, 2);
		this.ejections.recordSuccess(this.node);
		fail(this.node, 2);
		assertThat(this.ejections.isEjected(this.node)).isFalse();
	}

	@Test
	void ejectedInstanceReturnsByItselfWhenItsTimeIsUp() {
		fail(this.node, 3);
		this.clock.advance(Duration.ofMillis(9999));
		assertThat(this.ejections.isEjected(this.node)).isTrue();
		this.clock.advance(Duration.ofMillis(1));
		assertThat(this.ejections.isEjected(this.node)).isFalse();
		assertThat(this.ejections.anyEjected("svc")).isFalse();
	}

	@Test
	void ejectionTimeDoublesOnEachRepeatUpToTheMaximum() {
		for (int i = 0; i < 5; i++) {
			fail(this.node, 3);
			this.clock.advance(Duration.ofMinutes(2));
		}
		assertThat(this.ejected).containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(20),
				Duration.ofSeconds(40), Duration.ofSeconds(60), Duration.ofSeconds(60));
	}

	@Test
	void successAfterReturnStartsDoublingAfresh() {
		fail(this.node, 3);
		this.clock.advance(Duration.ofSeconds(10));
		this.ejections.recordSuccess(this.node);
		fail(this.node, 3);
		assertThat(this.ejected).containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(10));
	}

	@Test
	void lateSuccessDoesNotCutAnEjectionShort() {
		fail(this.node, 3);
		this.ejections.recordSuccess(this.node);
		assertThat(this.ejections.isEjected(this.node)).isTrue();
	}

	@Test
	void failuresDuringEjectionDoNotExtendIt() {
		fail(this.node, 3);
		fail(this.node, 10);
		assertThat(this.ejected).hasSize(1);
	}

	@Test
	void neverEjectsMoreThanMaxPercentOfTheService() {
		for (ServiceInstance instance : this.list) {
			fail(instance, 3);
		}
		assertThat(this.list.stream().filter(this.ejections::isEjected)).hasSize(2);
		assertThat(this.ejected).hasSize(2);
	}

	@Test
	void neverEjectsTheOnlyInstance() {
		ServiceInstance solo = instances("solo", 1).get(0);
		this.ejections.instancesChanged("solo", List.of(solo));
		fail(solo, 10);
		assertThat(this.ejections.isEjected(solo)).isFalse();
	}

	@Test
	void instancesThatLeftTheListAreForgotten() {
		fail(this.list.get(0), 3);
		fail(this.list.get(1), 3);
		assertThat(this.ejected).hasSize(2);
		// two of four ejected is the limit; once one of them leaves, a third may be ejected
		this.ejections.instancesChanged("svc", this.list.subList(1, 4));
		assertThat(this.ejections.isEjected(this.list.get(0))).isFalse();
		fail(this.list.get(2), 3);
		assertThat(this.ejections.isEjected(this.list.get(2))).isFalse();
		this.ejections.instancesChanged("svc", List.of(this.list.get(1), this.list.get(2), this.list.get(3),
				TestInstances.instance("svc", "svc-new", 9000)));
		fail(this.list.get(2), 3);
		assertThat(this.ejections.isEjected(this.list.get(2))).isTrue();
	}

	@Test
	void noInstanceMayBeEjectedOnceTheEjectedOneLeftOrReturned() {
		fail(this.node, 3);
		assertThat(this.ejections.mayAnyBeEjected("svc")).isTrue();
		this.ejections.instancesChanged("svc", this.list.subList(1, 4));
		assertThat(this.ejections.mayAnyBeEjected("svc")).isFalse();
		fail(this.list.get(1), 3);
		assertThat(this.ejections.mayAnyBeEjected("svc")).isTrue();
		this.clock.advance(Duration.ofSeconds(10));
		assertThat(this.ejections.isEjected(this.list.get(1))).isFalse();
		assertThat(this.ejections.mayAnyBeEjected("svc")).isFalse();
	}

	@Test
	void instancesWithoutIdAreKeptApartByHostAndPort() {
		ServiceInstance first = new DefaultServiceInstance(null, "simple", "127.0.0.1", 8000, false);
		ServiceInstance second = new DefaultServiceInstance(null, "simple", "127.0.0.1", 8001, false);
		this.ejections.instancesChanged("simple", List.of(first, second));
		this.ejections.recordSuccess(first);
		fail(first, 3);
		assertThat(this.ejections.isEjected(first)).isTrue();
		assertThat(this.ejections.isEjected(second)).isFalse();
		assertThat(this.ejections.isEjected(new DefaultServiceInstance(null, "simple", "127.0.0.1", 8000, false)))
			.isTrue();
		this.ejections.instancesChanged("simple", List.of(second));
		assertThat(this.ejections.isEjected(first)).isFalse();
	}

	@Test
	void rejectsSettingsThatCannotWork() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Ejections(this.clock, 0, Duration.ofSeconds(1),
				Duration.ofSeconds(1), 50, (i, d) -> {
				}));
		assertThatIllegalArgumentException().isThrownBy(() -> new Ejections(this.clock, 3, Duration.ofSeconds(10),
				Duration.ofSeconds(1), 50, (i, d) -> {
				}));
		assertThatIllegalArgumentException().isThrownBy(() -> new Ejections(this.clock, 3, Duration.ofSeconds(1),
				Duration.ofSeconds(1), 101, (i, d) -> {
				}));
	}

	private void fail(ServiceInstance instance, int times) {
		for (int i = 0; i < times; i++) {
			this.ejections.recordFailure(instance);
		}
	}

}
