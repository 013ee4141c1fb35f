package io.github.microspring.sample.comment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ProblemDetail;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Names the fields of a request body that broke a constraint, in the problem+json detail and in an
 * {@code errors} list; Boot's problem details handler answers every other error, but its detail for this one
 * is only "Invalid request content.".
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class InvalidFieldsAdvice {

	@ExceptionHandler(MethodArgumentNotValidException.class)
	ProblemDetail invalidFields(MethodArgumentNotValidException ex) {
		List<Map<String, String>> errors = ex.getFieldErrors().stream().map(InvalidFieldsAdvice::error).toList();
		ProblemDetail problem = ex.getBody();
		problem.setDetail("Invalid request content: " + errors.stream()
			.map((error) -> error.get("field") + " " + error.get("message"))
			.collect(Collectors.joining("; ")));
		problem.setProperty("errors", errors);
		return problem;
	}

	private static Map<String, String> error(FieldError error) {
		Map<String, String> entry = new LinkedHashMap<>();
		entry.put("field", error.getField());
		entry.put("message", error.getDefaultMessage());
		return entry;
	}

}
