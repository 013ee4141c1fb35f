package io.github.microspring.test.etcd;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import io.github.microspring.test.FreePorts;

/**
 * Several real etcd members forming one cluster on free loopback ports.
 */
public final class EtcdCluster implements AutoCloseable {

	private final List<EtcdServer> members;

	private final Path home;

	private EtcdCluster(List<EtcdServer> members, Path home) {
		this.members = members;
		this.home = home;
	}

	/**
	 * Starts the members and waits until the cluster has a leader.
	 * @param size how many members
	 * @return the running cluster
	 */
	public static EtcdCluster start(int size) {
		int[] ports = FreePorts.take(size * 2);
		Path home = EtcdServer.tempDir();
		String initialCluster = java.util.stream.IntStream.range(0, size)
			.mapToObj((i) -> "etcd" + i + "=http://127.0.0.1:" + ports[size + i])
			.collect(Collectors.joining(","));
		List<EtcdServer> members = new ArrayList<>();
		for (int i = 0; i < size; i++) {
			members.add(new EtcdServer("etcd" + i, ports[i], ports[size + i], initialCluster, home));
		}
		EtcdCluster cluster = new EtcdCluster(members, home);
		try {
			members.forEach(EtcdServer::launch);
			members.forEach(EtcdServer::awaitReady);
			return cluster;
		}
		catch (RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	public List<String> endpoints() {
		return this.members.stream().map(EtcdServer::endpoint).toList();
	}

	public int size() {
		return this.members.size();
	}

	public EtcdServer member(int index) {
		return this.members.get(index);
	}

	/**
	 * @return the index of the member that leads now, as a running member reports it
	 */
	public int leaderIndex() {
		for (EtcdServer asked : this.members) {
			if (!asked.isRunning()) {
				continue;
			}
			String leader = asked.leaderId();
			for (int i = 0; i < this.members.size(); i++) {
				EtcdServer member = this.members.get(i);
				if (member.isRunning() && member.memberId().equals(leader)) {
					return i;
				}
			}
		}
		throw new IllegalStateException("No running member knows a running leader");
	}

	@Override
	public void close() {
		this.members.forEach(EtcdServer::stop);
		EtcdServer.delete(this.home);
	}

}
