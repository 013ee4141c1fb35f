package io.github.microspring.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;

import org.springframework.context.ApplicationEvent;

/**
 * Published once when a breaker changes state (gobreaker's {@code OnStateChange}), on the thread whose call
 * caused the change.
 */
public class BreakerStateChangedEvent extends ApplicationEvent {

	private final String name;

	private final State from;

	private final State to;

	public BreakerStateChangedEvent(Object source, String name, State from, State to) {
		super(source);
		this.name = name;
		this.from = from;
		this.to = to;
	}

	public String getName() {
		return this.name;
	}

	public State getFrom() {
		return this.from;
	}

	public State getTo() {
		return this.to;
	}

	@Override
	public String toString() {
		return "Breaker '" + this.name + "' " + this.from + " -> " + this.to;
	}

}
