package io.github.microspring.registry;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ResponseStatus;

/**
 * Thrown by {@link EtcdServiceRegistry#setStatus}: go-micro has no instance status. The annotation makes
 * {@code POST /actuator/serviceregistry} answer 400 rather than 500; where Spring Web is absent the JVM
 * drops the annotation and the exception stays an {@link UnsupportedOperationException}.
 */
@ResponseStatus(code = HttpStatus.BAD_REQUEST,
		reason = "etcd registrations have no status; deregister to take an instance out of service")
class StatusNotSupportedException extends UnsupportedOperationException {

	StatusNotSupportedException() {
		super("etcd registrations have no status; deregister to take an instance out of service");
	}

}
