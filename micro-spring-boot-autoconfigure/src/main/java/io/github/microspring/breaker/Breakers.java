package io.github.microspring.breaker;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Function;

import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.bulkhead.ThreadPoolBulkhead;
import io.github.resilience4j.bulkhead.ThreadPoolBulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Every breaker of the application by name: builds its Resilience4j objects from the merged settings (Hystrix's
 * settings mapped onto Resilience4j's), registers them in Resilience4j's registries so its metrics, actuator
 * endpoints and events see them, and follows their state changes.
 */
final class Breakers implements DisposableBean {

	private static final Log logger = LogFactory.getLog(Breakers.class);

	private final Function<String, BreakerProperties.Settings> settings;

	private final CircuitBreakerRegistry circuitBreakers;

	private final BulkheadRegistry bulkheads;

	private final ThreadPoolBulkheadRegistry pools;

	private final TimeLimiterRegistry timeLimiters;

	private final ApplicationEventPublisher events;

	private final Clock clock;

	private final Map<String, Breaker> breakers = new ConcurrentHashMap<>();

	private final Map<String, Long> openedAt = new ConcurrentHashMap<>();

	private final ScheduledThreadPoolExecutor timer;

	Breakers(Function<String, BreakerProperties.Settings> settings, CircuitBreakerRegistry circuitBreakers,
			BulkheadRegistry bulkheads, ThreadPoolBulkheadRegistry pools, TimeLimiterRegistry timeLimiters,
			ApplicationEventPublisher events, Clock clock) {
		this.settings = settings;
		this.circuitBreakers = circuitBreakers;
		this.bulkheads = bulkheads;
		this.pools = pools;
		this.timeLimiters = timeLimiters;
		this.events = events;
		this.clock = clock;
		CustomizableThreadFactory threads = new CustomizableThreadFactory("breaker-timeout-");
		threads.setDaemon(true);
		this.timer = new ScheduledThreadPoolExecutor(1, threads);
		// a call that ends in time cancels its timeout task: drop it at once rather than at its due time
		this.timer.setRemoveOnCancelPolicy(true);
	}

	/**
	 * Per-instance keys bound over a copy of the defaults, so an instance inherits every key it does not set.
	 */
	static Function<String, BreakerProperties.Settings> merged(BreakerProperties properties, Binder binder) {
		return (name) -> {
			BreakerProperties.Settings merged = properties.getDefaults().copy();
			binder.bind(ConfigurationPropertyName.adapt("micro.breaker.instances." + name, '.'),
					Bindable.ofInstance(merged));
			return merged;
		};
	}

	Breaker breaker(String name) {
		Breaker breaker = this.breakers.get(name);
		return (breaker != null) ? breaker : this.breakers.computeIfAbsent(name, this::create);
	}

	private Breaker create(String name) {
		BreakerProperties.Settings settings = this.settings.apply(name);
		CircuitBreaker circuitBreaker = this.circuitBreakers.circuitBreaker(name, circuitBreakerConfig(settings));
		circuitBreaker.getEventPublisher().onStateTransition(this::stateChanged);
		TimeLimiter timeLimiter = this.timeLimiters.timeLimiter(name, TimeLimiterConfig.custom()
			.timeoutDuration(settings.getTimeout())
			.cancelRunningFuture(settings.isCancelRunningFuture())
			.build());
		return new Breaker(name, settings, circuitBreaker, timeLimiter, this.bulkheads, this.pools);
	}

	static CircuitBreakerConfig circuitBreakerConfig(BreakerProperties.Settings settings) {
		CircuitBreakerConfig.Builder config = CircuitBreakerConfig.custom()
			.slidingWindowType(SlidingWindowType.TIME_BASED)
			.slidingWindowSize((int) settings.getRollingWindow().toSeconds())
			.minimumNumberOfCalls(settings.getRequestVolumeThreshold())
			.failureRateThreshold(settings.getErrorPercentThreshold())
			.waitDurationInOpenState(settings.getSleepWindow())
			.permittedNumberOfCallsInHalfOpenState(settings.getTrialCalls())
			// as Hystrix: the first call after the sleep window is the trial, no timer moves the state
			.automaticTransitionFromOpenToHalfOpenEnabled(false);
		if (!settings.isCountRejections()) {
			config.ignoreExceptions(BulkheadFullException.class);
		}
		return config.build();
	}

	private void stateChanged(CircuitBreakerOnStateTransitionEvent event) {
		String name = event.getCircuitBreakerName();
		CircuitBreaker.State from = event.getStateTransition().getFromState();
		CircuitBreaker.State to = event.getStateTransition().getToState();
		if (to == CircuitBreaker.State.OPEN) {
			this.openedAt.put(name, this.clock.millis());
		}
		if (to == CircuitBreaker.State.OPEN || to == CircuitBreaker.State.FORCED_OPEN) {
			logger.warn("Circuit breaker '" + name + "' " + from + " -> " + to);
		}
		else {
			logger.info("Circuit breaker '" + name + "' " + from + " -> " + to);
		}
		this.events.publishEvent(new BreakerStateChangedEvent(this, name, from, to));
	}

	/**
	 * How long until the named breaker lets a trial call through: the rest of its sleep window when open, at
	 * least one second.
	 */
	Duration retryAfter(String name) {
		Breaker breaker = this.breakers.get(name);
		Long opened = this.openedAt.get(name);
		if (breaker == null || opened == null
				|| breaker.circuitBreaker().getState() != CircuitBreaker.State.OPEN) {
			return Duration.ofSeconds(1);
		}
		long left = breaker.settings().getSleepWindow().toMillis() - (this.clock.millis() - opened);
		// round up: a client retrying after the header's whole seconds must find the sleep window over
		return Duration.ofSeconds(Math.max(1, (left + 999) / 1000));
	}

	ScheduledExecutorService timer() {
		return this.timer;
	}

	@Override
	public void destroy() {
		this.timer.shutdownNow();
		for (Breaker breaker : this.breakers.values()) {
			ThreadPoolBulkhead pool = breaker.poolIfCreated();
			if (pool != null) {
				try {
					pool.close();
				}
				catch (Exception ex) {
					logger.debug("Closing the pool of breaker '" + breaker.name() + "' failed", ex);
				}
			}
		}
	}

}
