package io.github.microspring.test.etcd;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link EtcdServer} parameters with one single-member etcd shared by every test of the JVM,
 * started on first use and stopped when the JVM exits. A test that stops or kills it must restart it.
 */
public final class EtcdExtension implements ParameterResolver {

	private static EtcdServer shared;

	/**
	 * @return the JVM-wide etcd, started if needed
	 */
	public static synchronized EtcdServer shared() {
		if (shared == null) {
			shared = EtcdServer.start();
			Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "shared-etcd-stop"));
		}
		return shared;
	}

	@Override
	public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
		return parameter.getParameter().getType() == EtcdServer.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
		return shared();
	}

}
