/**
 * A Kafka-compatible server over Spool's log: unmodified Kafka clients produce to and consume from it.
 *
 * <p>{@link dev.spool.kafka.KafkaServer} wires the layers, each in its package:
 * {@code network} (Netty: framing, requests answered in order per connection with Produce
 * pipelined, limits, zero-copy file regions), {@code protocol} (kafka-clients' generated message classes behind a thin adapter, and
 * the advertised API versions), {@code api} (a handler per API over the
 * {@link dev.spool.log.LogManager}), {@code producer} (idempotent-producer state and producer ids),
 * {@code metrics} (Micrometer meters and the Prometheus endpoint) and {@code group} (the consumer
 * group coordinator). No protocol encoding is written by hand here.
 */
package dev.spool.kafka;
