package io.github.microspring.registry;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RegistryCodecTests {

	@Test
	void keyReplacesSlashesInNamesAsGoMicroDoes() {
		assertThat(RegistryCodec.key("/micro/registry", "go.micro/api", "a/b")).isEqualTo("/micro/registry/go.micro-api/a-b");
		assertThat(RegistryCodec.key("/micro/registry/", "svc", "n1")).isEqualTo("/micro/registry/svc/n1");
	}

	@Test
	void roundTripsARecord() {
		ServiceRecord record = new ServiceRecord("svc", "1.0.0", Map.of(), List.of(),
				List.of(new ServiceRecord.Node("svc-1", "127.0.0.1:80", Map.of("zone", "a"))));
		assertThat(RegistryCodec.decode(RegistryCodec.encode(record))).isEqualTo(record);
	}

	@Test
	void readsGoMicroValuesWithFieldsWeDoNotKnow() {
		ServiceRecord record = RegistryCodec.decode(("{\"name\":\"g\",\"version\":\"1\",\"extra\":42,"
				+ "\"endpoints\":[{\"name\":\"Greeter.Hello\",\"request\":{\"name\":\"Req\"}}],"
				+ "\"nodes\":[{\"id\":\"g1\",\"address\":\"10.0.0.1:1\",\"metadata\":{\"n\":7}}]}")
			.getBytes(StandardCharsets.UTF_8));
		assertThat(record.metadata()).isEmpty();
		assertThat(record.endpoints()).hasSize(1);
		assertThat(record.nodes().get(0).metadata()).containsEntry("n", "7");
	}

	@Test
	void saysWhatIsWrongWithABadValue() {
		assertThatIllegalArgumentException().isThrownBy(() -> RegistryCodec.decode(new byte[0]))
			.withMessage("empty value");
		assertThatIllegalArgumentException().isThrownBy(() -> RegistryCodec.decode("{\"nodes\":[{}]}".getBytes()))
			.withMessage("no service name");
		assertThatIllegalArgumentException().isThrownBy(() -> RegistryCodec.decode("{\"name\":\"x\"}".getBytes()))
			.withMessage("no nodes");
		assertThatIllegalArgumentException().isThrownBy(() -> RegistryCodec.decode("null".getBytes()))
			.withMessage("null value");
		assertThatIllegalArgumentException().isThrownBy(() -> RegistryCodec.decode("[1]".getBytes()))
			.withMessageStartingWith("not a go-micro service JSON");
	}

}
