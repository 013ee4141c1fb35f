package io.github.microspring.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The README's property table, rendered from the configuration metadata the annotation processor writes
 * (it merges {@code additional-spring-configuration-metadata.json} into the generated file), between two
 * marker comments in README.md.
 */
final class PropertyTable {

	static final String START = "<!-- property-table:start (generated from the configuration metadata; "
			+ "rewrite with the command under the table) -->";

	static final String END = "<!-- property-table:end -->";

	static final String REWRITE_PROPERTY = "readme.rewrite";

	static final String REWRITE_COMMAND = "./mvnw -q -B -pl micro-spring-boot-autoconfigure -am test "
			+ "-Dtest=ReadmePropertyTableTests -Dsurefire.failIfNoSpecifiedTests=false -D" + REWRITE_PROPERTY;

	private PropertyTable() {
	}

	/**
	 * One Markdown table of every property that is not deprecated: {@code micro.*} first, then the other
	 * keys the starter reads (actuator and Spring Cloud switches), each group by name.
	 */
	static String render(Path metadata) {
		JsonNode root;
		try {
			root = new ObjectMapper().readTree(metadata.toFile());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read " + metadata, ex);
		}
		List<JsonNode> properties = new ArrayList<>();
		for (JsonNode property : root.path("properties")) {
			if (!property.path("deprecated").asBoolean(false) && !property.has("deprecation")) {
				properties.add(property);
			}
		}
		properties.sort(Comparator.comparing((JsonNode p) -> !p.path("name").asText().startsWith("micro."))
			.thenComparing((p) -> p.path("name").asText()));
		StringBuilder table = new StringBuilder();
		table.append("| property | default | description |\n|---|---|---|\n");
		for (JsonNode property : properties) {
			table.append("| `").append(name(property)).append("` | ");
			String value = defaultValue(property.path("defaultValue"));
			if (!value.isEmpty()) {
				table.append('`').append(value).append('`');
			}
			table.append(" | ").append(cell(property.path("description").asText(""))).append(" |\n");
		}
		return table.toString();
	}

	/**
	 * The README with the table between the markers replaced.
	 * @throws IllegalStateException when the markers are missing
	 */
	static String replaceIn(String readme, String table) {
		int start = readme.indexOf(START);
		int end = readme.indexOf(END);
		if (start < 0 || end < start) {
			throw new IllegalStateException("README.md has no property table markers: put the lines\n" + START
					+ "\n" + END + "\nwhere the table goes");
		}
		return readme.substring(0, start + START.length()) + "\n" + table + readme.substring(end);
	}

	static String between(String readme) {
		int start = readme.indexOf(START);
		int end = readme.indexOf(END);
		return (start < 0 || end < start) ? "" : readme.substring(start + START.length() + 1, end);
	}

	static Path readme() {
		// surefire runs in the module's folder; the README is the project's
		return Path.of("..", "README.md").toAbsolutePath().normalize();
	}

	static Path metadata() {
		return Path.of("target", "classes", "META-INF", "spring-configuration-metadata.json").toAbsolutePath();
	}

	static void write(Path readme, String content) {
		try {
			Files.writeString(readme, content);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot write " + readme, ex);
		}
	}

	private static String name(JsonNode property) {
		String name = property.path("name").asText();
		return property.path("type").asText("").startsWith("java.util.Map<") ? name + ".*" : name;
	}

	private static String defaultValue(JsonNode value) {
		if (value.isMissingNode() || value.isNull()) {
			return "";
		}
		if (value.isArray()) {
			return StreamSupport.stream(value.spliterator(), false)
				.map(JsonNode::asText)
				.collect(Collectors.joining(","));
		}
		return value.asText();
	}

	private static String cell(String text) {
		return text.replaceAll("\\s+", " ").replace("|", "\\|").trim();
	}

}
