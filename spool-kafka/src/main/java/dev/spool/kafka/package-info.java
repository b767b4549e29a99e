/**
 * A Kafka-compatible server over Spool's log: unmodified Kafka clients produce to and consume from it.
 *
 * <p>The network layer is Netty; requests and responses are read and written through kafka-clients'
 * generated message classes, so no protocol encoding is written by hand here.
 */
package dev.spool.kafka;
