package io.github.microspring.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.HttpStatus;

/**
 * The RFC 9457 problem details of a refusal, the same on both web stacks.
 */
final class RateLimitProblem {

	private RateLimitProblem() {
	}

	static Map<String, Object> of(RateLimitExceededException refused, String path) {
		Map<String, Object> problem = new LinkedHashMap<>();
		problem.put("type", "about:blank");
		problem.put("title", HttpStatus.valueOf(refused.getStatus()).getReasonPhrase());
		problem.put("status", refused.getStatus());
		problem.put("detail", refused.getMessage());
		problem.put("instance", path);
		problem.put("limit", refused.getLimitName());
		return problem;
	}

}
