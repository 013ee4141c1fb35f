package io.github.microspring.registry;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * Lets a native image read and write registry values: Jackson reaches {@link ServiceRecord} and its
 * nested types by reflection (the lease keeper writes them, the catalog parses them).
 */
class RegistryRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, ClassLoader classLoader) {
		new BindingReflectionHintsRegistrar().registerReflectionHints(hints.reflection(), ServiceRecord.class);
	}

}
