package io.github.microspring.test.zipkin;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link ZipkinServer} parameters with one Zipkin shared by every test of the JVM, started on first
 * use and stopped when the JVM exits. Spans of every test accumulate: look traces up by their own IDs. A test
 * that stops or kills it must restart it.
 */
public final class ZipkinExtension implements ParameterResolver {

	private static ZipkinServer shared;

	/**
	 * @return the JVM-wide Zipkin, started if needed
	 */
	public static synchronized ZipkinServer shared() {
		if (shared == null) {
			shared = ZipkinServer.start();
			Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "shared-zipkin-stop"));
		}
		return shared;
	}

	@Override
	public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
		return parameter.getParameter().getType() == ZipkinServer.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
		return shared();
	}

}
