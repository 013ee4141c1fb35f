package io.github.microspring.tracing;

import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.observation.NullObservation;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.util.context.Context;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The accessor against Micrometer's, on context snapshots as Reactor and Spring use them: the same observation
 * current at every point, and no scope opened for the observation the thread holds already.
 */
class CurrentObservationAccessorTests {

	private final AtomicInteger scopesOpened = new AtomicInteger();

	private final ObservationRegistry observations = ObservationRegistry.create();

	{
		this.observations.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public void onScopeOpened(Observation.Context context) {
				CurrentObservationAccessorTests.this.scopesOpened.incrementAndGet();
			}

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

		});
	}

	@AfterEach
	void closeWhatTheTestLeftOpen() {
		while (this.observations.getCurrentObservationScope() != null) {
			this.observations.getCurrentObservationScope().close();
		}
	}

	@Test
	void installingReplacesMicrometersAccessorAndKeepsTheOthers() {
		ContextRegistry registry = registry(false);
		registry.registerThreadLocalAccessor("other", () -> "value", (value) -> {
		}, () -> {
		});
		CurrentObservationAccessor.install(registry);
		CurrentObservationAccessor.install(registry);
		assertThat(registry.getThreadLocalAccessors()).hasSize(2)
			.anySatisfy((accessor) -> assertThat(accessor).isInstanceOf(CurrentObservationAccessor.class))
			.noneSatisfy((accessor) -> assertThat(accessor).isInstanceOf(ObservationThreadLocalAccessor.class))
			.anySatisfy((accessor) -> assertThat(accessor.key()).isEqualTo("other"));
	}

	@Test
	void restoringTheCurrentObservationOpensNoScope() {
		Observation request = Observation.start("request", this.observations);
		try (Observation.Scope scope = request.openScope()) {
			int before = this.scopesOpened.get();
			restoreTimes(registry(true), 200, request);
			assertThat(this.scopesOpened.get() - before).isZero();
			assertThat(this.observations.getCurrentObservationScope()).isSameAs(scope);
		}
		assertThat(this.observations.getCurrentObservation()).isNull();
	}

	@Test
	void micrometersAccessorOpensAScopeAtEveryRestore() {
		Observation request = Observation.start("request", this.observations);
		try (Observation.Scope scope = request.openScope()) {
			int before = this.scopesOpened.get();
			restoreTimes(registry(false), 200, request);
			assertThat(this.scopesOpened.get() - before).isEqualTo(200);
			assertThat(this.observations.getCurrentObservationScope()).isSameAs(scope);
		}
	}

	@ParameterizedTest(name = "ours: {0}")
	@ValueSource(booleans = { true, false })
	void anotherObservationIsSetAndTheFirstOneRestored(boolean ours) {
		ContextRegistry registry = registry(ours);
		Observation outer = Observation.start("outer", this.observations);
		Observation inner = Observation.start("inner", this.observations);
		try (Observation.Scope scope = outer.openScope()) {
			try (ContextSnapshot.Scope first = snapshotOf(registry, inner).setThreadLocals()) {
				assertThat(this.observations.getCurrentObservation()).isSameAs(inner);
				try (ContextSnapshot.Scope again = snapshotOf(registry, inner).setThreadLocals()) {
					assertThat(this.observations.getCurrentObservation()).isSameAs(inner);
				}
				assertThat(this.observations.getCurrentObservation()).isSameAs(inner);
				try (ContextSnapshot.Scope back = snapshotOf(registry, outer).setThreadLocals()) {
					assertThat(this.observations.getCurrentObservation()).isSameAs(outer);
				}
				assertThat(this.observations.getCurrentObservation()).isSameAs(inner);
			}
			assertThat(this.observations.getCurrentObservationScope()).isSameAs(scope);
		}
		assertThat(this.observations.getCurrentObservation()).isNull();
	}

	@ParameterizedTest(name = "ours: {0}")
	@ValueSource(booleans = { true, false })
	void onAThreadWithoutObservationTheSnapshotsIsSetAndRemovedAfter(boolean ours) {
		ContextRegistry registry = registry(ours);
		Observation request = Observation.start("request", this.observations);
		try (ContextSnapshot.Scope scope = snapshotOf(registry, request).setThreadLocals()) {
			assertThat(this.observations.getCurrentObservation()).isSameAs(request);
			try (ContextSnapshot.Scope nested = snapshotOf(registry, request).setThreadLocals()) {
				assertThat(this.observations.getCurrentObservation()).isSameAs(request);
			}
			assertThat(this.observations.getCurrentObservation()).isSameAs(request);
		}
		assertThat(this.observations.getCurrentObservationScope()).isNull();
	}

	@ParameterizedTest(name = "ours: {0}")
	@ValueSource(booleans = { true, false })
	void aSnapshotWithoutObservationHidesTheCurrentOneUntilClosed(boolean ours) {
		ContextRegistry registry = registry(ours);
		ContextSnapshotFactory clearing = ContextSnapshotFactory.builder()
			.contextRegistry(registry)
			.clearMissing(true)
			.build();
		Observation request = Observation.start("request", this.observations);
		try (Observation.Scope scope = request.openScope()) {
			try (ContextSnapshot.Scope cleared = clearing.setThreadLocalsFrom(Context.empty())) {
				assertThat(this.observations.getCurrentObservation()).isInstanceOf(NullObservation.class);
			}
			assertThat(this.observations.getCurrentObservationScope()).isSameAs(scope);
		}
	}

	@Test
	void aScopeClosedInsideLeavesTheRestoredObservationInPlace() {
		ContextRegistry registry = registry(true);
		Observation outer = Observation.start("outer", this.observations);
		Observation inner = Observation.start("inner", this.observations);
		try (Observation.Scope scope = outer.openScope()) {
			try (ContextSnapshot.Scope set = snapshotOf(registry, inner).setThreadLocals()) {
				// code inside closes the scope it was given: the outer observation is current again
				this.observations.getCurrentObservationScope().close();
				assertThat(this.observations.getCurrentObservation()).isSameAs(outer);
			}
			assertThat(this.observations.getCurrentObservationScope()).isSameAs(scope);
		}
		assertThat(this.observations.getCurrentObservation()).isNull();
	}

	private void restoreTimes(ContextRegistry registry, int times, Observation expected) {
		ContextSnapshot snapshot = ContextSnapshotFactory.builder().contextRegistry(registry).build().captureAll();
		for (int i = 0; i < times; i++) {
			try (ContextSnapshot.Scope scope = snapshot.setThreadLocals()) {
				assertThat(this.observations.getCurrentObservation()).isSameAs(expected);
			}
		}
	}

	private ContextSnapshot snapshotOf(ContextRegistry registry, Observation observation) {
		return ContextSnapshotFactory.builder()
			.contextRegistry(registry)
			.build()
			.captureFrom(Context.of(ObservationThreadLocalAccessor.KEY, observation));
	}

	private ContextRegistry registry(boolean ours) {
		ContextRegistry registry = new ContextRegistry().loadContextAccessors();
		registry.registerThreadLocalAccessor(new ObservationThreadLocalAccessor(this.observations));
		if (ours) {
			CurrentObservationAccessor.install(registry);
		}
		return registry;
	}

}
