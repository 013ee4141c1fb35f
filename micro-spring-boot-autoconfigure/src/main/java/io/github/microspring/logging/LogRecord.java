package io.github.microspring.logging;

/**
 * One log event ready for Kafka: the record key and the JSON value, both UTF-8.
 */
record LogRecord(byte[] key, byte[] value) {

}
