package io.github.microspring.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free TCP ports on 127.0.0.1.
 */
public final class FreePorts {

	private FreePorts() {
	}

	/**
	 * @param count how many distinct ports
	 * @return ports free at the time of the call; all sockets are held until every port is picked
	 */
	public static int[] take(int count) {
		List<ServerSocket> sockets = new ArrayList<>();
		try {
			int[] ports = new int[count];
			for (int i = 0; i < count; i++) {
				ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
				socket.setReuseAddress(true);
				sockets.add(socket);
				ports[i] = socket.getLocalPort();
			}
			return ports;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("No free port on 127.0.0.1", ex);
		}
		finally {
			for (ServerSocket socket : sockets) {
				try {
					socket.close();
				}
				catch (IOException ex) {
					// nothing held
				}
			}
		}
	}

	public static int take() {
		return take(1)[0];
	}

}
