package io.github.microspring.docs;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * README.md's property table is the configuration metadata rendered: it cannot drift from the code. Run with
 * {@code -Dreadme.rewrite} to write the table into README.md (see {@link PropertyTable#REWRITE_COMMAND}).
 */
class ReadmePropertyTableTests {

	@Test
	void readmePropertyTableIsTheRenderedConfigurationMetadata() throws Exception {
		Path readme = PropertyTable.readme();
		String current = Files.readString(readme);
		String table = PropertyTable.render(PropertyTable.metadata());
		if (System.getProperty(PropertyTable.REWRITE_PROPERTY) != null) {
			PropertyTable.write(readme, PropertyTable.replaceIn(current, table));
			return;
		}
		if (!PropertyTable.between(current).equals(table)) {
			fail("README.md's property table differs from the configuration metadata (a property was added, "
					+ "removed or its javadoc changed). Rewrite it with:\n  " + PropertyTable.REWRITE_COMMAND
					+ "\nthen review and commit README.md.");
		}
	}

	@Test
	void rendersEveryPropertyOnceWithMapKeysAndListDefaults() throws Exception {
		Path metadata = Files.createTempFile("metadata", ".json");
		Files.writeString(metadata, """
				{"properties": [
				 {"name": "micro.b.weights", "type": "java.util.Map<java.lang.String,java.lang.Integer>",
				  "description": "Weight per\\n version | tag."},
				 {"name": "management.x.enabled", "type": "java.lang.Boolean", "defaultValue": true,
				  "description": "Whether to x."},
				 {"name": "micro.a.endpoints", "type": "java.util.List<java.lang.String>",
				  "defaultValue": ["http://a:1", "http://b:2"], "description": "Endpoints."},
				 {"name": "micro.a.old", "type": "java.lang.String", "deprecated": true,
				  "deprecation": {"level": "warning"}}
				]}""");
		try {
			assertThat(PropertyTable.render(metadata)).isEqualTo("""
					| property | default | description |
					|---|---|---|
					| `micro.a.endpoints` | `http://a:1,http://b:2` | Endpoints. |
					| `micro.b.weights.*` |  | Weight per version \\| tag. |
					| `management.x.enabled` | `true` | Whether to x. |
					""");
		}
		finally {
			Files.delete(metadata);
		}
	}

	@Test
	void replacesOnlyWhatIsBetweenTheMarkers() {
		String readme = "# r\n" + PropertyTable.START + "\n| old |\n" + PropertyTable.END + "\nafter\n";
		String rewritten = PropertyTable.replaceIn(readme, "| new |\n");
		assertThat(rewritten)
			.isEqualTo("# r\n" + PropertyTable.START + "\n| new |\n" + PropertyTable.END + "\nafter\n");
		assertThat(PropertyTable.between(rewritten)).isEqualTo("| new |\n");
	}

}
