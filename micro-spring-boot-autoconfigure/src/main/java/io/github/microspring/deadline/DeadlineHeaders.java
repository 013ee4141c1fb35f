package io.github.microspring.deadline;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.springframework.lang.Nullable;

/**
 * Reads the budget a request brings and turns it into this hop's {@link Deadline}: now + min(budget, max).
 * Accepts our header (milliseconds), gRPC's {@code grpc-timeout} ({@code <digits><H|M|S|m|u|n>}) and
 * go-micro's {@code Timeout} (nanoseconds). A malformed or negative value is ignored, a huge one clamped,
 * each counted by reason; none is ever an error.
 */
final class DeadlineHeaders {

	static final String GRPC_TIMEOUT = "grpc-timeout";

	static final String GO_MICRO_TIMEOUT = "Timeout";

	private final String header;

	private final Duration max;

	@Nullable
	private final Duration defaultBudget;

	private final boolean honor;

	private final LongSupplier nanoTime;

	private final Consumer<String> rejected;

	DeadlineHeaders(String header, Duration max, @Nullable Duration defaultBudget, boolean honor,
			LongSupplier nanoTime, Consumer<String> rejected) {
		this.header = header;
		this.max = max;
		this.defaultBudget = (defaultBudget != null) ? min(defaultBudget, max) : null;
		this.honor = honor;
		this.nanoTime = nanoTime;
		this.rejected = rejected;
	}

	static DeadlineHeaders of(DeadlineProperties properties, Consumer<String> rejected) {
		return new DeadlineHeaders(properties.getHeader(), properties.getMax(), properties.getDefaultBudget(),
				properties.getInbound() == DeadlineProperties.Inbound.HONOR, System::nanoTime, rejected);
	}

	String header() {
		return this.header;
	}

	/**
	 * The deadline of a request, or {@code null} when it has none.
	 * @param headers the first value of a request header, by name
	 */
	@Nullable
	Deadline deadline(Function<String, String> headers) {
		Duration budget = this.honor ? budget(headers) : null;
		if (budget == null) {
			budget = this.defaultBudget;
		}
		return (budget != null) ? Deadline.after(budget, this.nanoTime) : null;
	}

	@Nullable
	private Duration budget(Function<String, String> headers) {
		String millis = headers.apply(this.header);
		if (millis != null) {
			return clamp(parse(millis, 1_000_000L));
		}
		String grpc = headers.apply(GRPC_TIMEOUT);
		if (grpc != null) {
			return clamp(parseGrpc(grpc));
		}
		String nanos = headers.apply(GO_MICRO_TIMEOUT);
		if (nanos != null) {
			return clamp(parse(nanos, 1));
		}
		return null;
	}

	@Nullable
	private Duration clamp(@Nullable Duration budget) {
		if (budget == null) {
			return null;
		}
		if (budget.compareTo(this.max) > 0) {
			this.rejected.accept("clamped");
			return this.max;
		}
		return budget;
	}

	/**
	 * Digits times a unit in nanoseconds; longer than the maximum when it does not fit in a long.
	 */
	@Nullable
	private Duration parse(String value, long nanosPerUnit) {
		String text = value.trim();
		if (text.startsWith("-") && text.length() > 1 && allDigits(text, 1, text.length())) {
			this.rejected.accept("negative");
			return null;
		}
		if (text.isEmpty() || !allDigits(text, 0, text.length())) {
			this.rejected.accept("malformed");
			return null;
		}
		long amount;
		try {
			amount = Long.parseLong(text);
		}
		catch (NumberFormatException ex) {
			return this.max.plusNanos(1);
		}
		if (amount > Long.MAX_VALUE / nanosPerUnit) {
			return this.max.plusNanos(1);
		}
		return Duration.ofNanos(amount * nanosPerUnit);
	}

	@Nullable
	private Duration parseGrpc(String value) {
		String text = value.trim();
		// the gRPC spec allows at most 8 digits before the unit
		if (text.length() < 2 || text.length() > 9 || !allDigits(text, 0, text.length() - 1)) {
			this.rejected.accept(text.startsWith("-") ? "negative" : "malformed");
			return null;
		}
		long amount = Long.parseLong(text.substring(0, text.length() - 1));
		return switch (text.charAt(text.length() - 1)) {
			case 'H' -> Duration.ofHours(amount);
			case 'M' -> Duration.ofMinutes(amount);
			case 'S' -> Duration.ofSeconds(amount);
			case 'm' -> Duration.ofMillis(amount);
			case 'u' -> Duration.ofNanos(amount * 1000);
			case 'n' -> Duration.ofNanos(amount);
			default -> {
				this.rejected.accept("malformed");
				yield null;
			}
		};
	}

	private static boolean allDigits(String text, int from, int to) {
		for (int i = from; i < to; i++) {
			char c = text.charAt(i);
			if (c < '0' || c > '9') {
				return false;
			}
		}
		return to > from;
	}

	/**
	 * The budget to send: what is left, in whole milliseconds, at least 1 while not spent.
	 */
	static String millis(Duration remaining) {
		long millis = remaining.toMillis();
		return Long.toString((millis == 0 && !remaining.isZero()) ? 1 : millis);
	}

	private static Duration min(Duration a, Duration b) {
		return (a.compareTo(b) <= 0) ? a : b;
	}

}
