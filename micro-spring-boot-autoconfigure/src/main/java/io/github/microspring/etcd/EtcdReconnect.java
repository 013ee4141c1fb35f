package io.github.microspring.etcd;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.impl.ClientImpl;
import io.grpc.ManagedChannel;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Lets our own retries decide when the etcd client tries to connect again. Left alone, gRPC waits between
 * connection attempts ×1.6 longer each time, up to 2 minutes, so after a long outage an application would notice
 * etcd is back only that much later; called before each of our retries, the client connects at once, and our
 * jittered backoff, bounded by the registry's and the catalog's settings, sets the pace instead.
 */
public final class EtcdReconnect {

	private static final Log logger = LogFactory.getLog(EtcdReconnect.class);

	private static final AtomicBoolean explained = new AtomicBoolean();

	private EtcdReconnect() {
	}

	/**
	 * Makes the client's connection, if it is waiting out gRPC's reconnect backoff, try to connect now; does
	 * nothing when it is connected or connecting. Never throws and never waits.
	 * @param client the etcd client; one that is not jetcd's own is left alone
	 */
	public static void now(Client client) {
		ManagedChannel channel = channelOf(client);
		if (channel != null) {
			channel.resetConnectBackoff();
		}
	}

	/**
	 * @param client the etcd client
	 * @return its gRPC channel, or null when it cannot be reached
	 */
	static ManagedChannel channelOf(Client client) {
		if (!(client instanceof ClientImpl)) {
			explainOnce("the etcd client is a " + client.getClass().getName() + ", not jetcd's own");
			return null;
		}
		ChannelAccess access = ChannelAccess.INSTANCE;
		if (access.failure != null) {
			explainOnce(access.failure);
			return null;
		}
		try {
			return (ManagedChannel) access.getChannel.invoke(access.connectionManager.get(client));
		}
		catch (Exception | LinkageError ex) {
			explainOnce("reaching its gRPC channel failed: " + ex);
			return null;
		}
	}

	private static void explainOnce(String why) {
		if (explained.compareAndSet(false, true)) {
			logger.debug("Not shortening the etcd client's reconnect backoff after an outage (gRPC then decides "
					+ "when to connect again, up to 2 minutes later): " + why);
		}
	}

	/**
	 * Reflection, because jetcd 0.8.5 exposes neither its gRPC channel nor a setting for the reconnect backoff,
	 * and the jetcd releases that might (0.8.6 and later) need Vert.x 5 and Netty 4.2, which Boot 3.5 does not
	 * run. Resolved once, on first use.
	 */
	private static final class ChannelAccess {

		static final ChannelAccess INSTANCE = new ChannelAccess();

		final Field connectionManager;

		final Method getChannel;

		final String failure;

		private ChannelAccess() {
			Field field = null;
			Method method = null;
			String why = null;
			try {
				field = ClientImpl.class.getDeclaredField("connectionManager");
				field.setAccessible(true);
				method = field.getType().getDeclaredMethod("getChannel");
				method.setAccessible(true);
				if (!ManagedChannel.class.isAssignableFrom(method.getReturnType())) {
					why = method + " does not return a gRPC ManagedChannel";
				}
			}
			catch (Exception | LinkageError ex) {
				why = "this jetcd version does not keep its gRPC channel where 0.8.5 does: " + ex;
			}
			this.connectionManager = field;
			this.getChannel = method;
			this.failure = why;
		}

	}

}
