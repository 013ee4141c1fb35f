package io.github.microspring.registry;

import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Native images can read and write registry values: the hints are registered where Spring AOT looks.
 */
class RegistryRuntimeHintsTests {

	@Test
	void registryRecordsCanBeBoundByJacksonInANativeImage() throws Exception {
		RuntimeHints hints = new RuntimeHints();
		SpringFactoriesLoader.forResourceLocation("META-INF/spring/aot.factories")
			.load(RuntimeHintsRegistrar.class)
			.forEach((registrar) -> registrar.registerHints(hints, getClass().getClassLoader()));

		for (Class<?> type : new Class<?>[] { ServiceRecord.class, ServiceRecord.Node.class }) {
			assertThat(RuntimeHintsPredicates.reflection().onType(type)
				.withMemberCategories(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS)).accepts(hints);
		}
		assertThat(RuntimeHintsPredicates.reflection()
			.onMethod(ServiceRecord.Node.class.getDeclaredMethod("address"))).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection()
			.onConstructor(ServiceRecord.class.getDeclaredConstructors()[0])).accepts(hints);
	}

}
