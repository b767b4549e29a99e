"""kafka-python, one command per run, for the compatibility matrix.

Usage: kafka_python_client.py BOOTSTRAP COMMAND ARGS...  (the commands are listed in ScriptCells.java)
Prints "word value" lines; exits 0 on success, 3 when the client (or this installation: the
compression codecs need python3-snappy, python3-lz4, python3-zstandard) cannot do the command,
1 on failure.
"""
import sys
import time

import kafka.codec
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic
from kafka.structs import OffsetAndMetadata

DEADLINE_S = 30
UNSUPPORTED = 3
CODEC_PRESENT = {"none": lambda: True, "gzip": kafka.codec.has_gzip, "snappy": kafka.codec.has_snappy,
                 "lz4": kafka.codec.has_lz4, "zstd": kafka.codec.has_zstd}


def fail(message):
    print("error " + message, flush=True)
    sys.exit(1)


def unsupported(what):
    print("unsupported " + what, flush=True)
    sys.exit(UNSUPPORTED)


def produce(bootstrap, topic, codec, count, prefix):
    if not CODEC_PRESENT[codec]():
        unsupported("kafka-python has no %s library here (python3-snappy/-lz4/-zstandard)" % codec)
    producer = KafkaProducer(bootstrap_servers=bootstrap, compression_type=None if codec == "none" else codec,
                             linger_ms=5)
    futures = [producer.send(topic, value=(prefix + str(i)).encode(), partition=0) for i in range(int(count))]
    for f in futures:
        f.get(timeout=DEADLINE_S)
    producer.close()
    print("produced " + count)


def consumer(bootstrap, group, reset):
    return KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, auto_offset_reset=reset,
                         enable_auto_commit=False, session_timeout_ms=10000)


def read(c, count):
    values = []
    last = None
    deadline = time.time() + DEADLINE_S
    while len(values) < count and time.time() < deadline:
        for records in c.poll(timeout_ms=500, max_records=count - len(values)).values():
            for record in records:
                values.append(record.value.decode())
                last = record
    for v in values:
        print("value " + v)
    if len(values) < count:
        fail("read %d of %d values in %d s" % (len(values), count, DEADLINE_S))
    return last


def consume(bootstrap, topic, group, reset, count):
    c = consumer(bootstrap, group, reset)
    c.subscribe([topic])
    last = read(c, int(count))
    c.commit({TopicPartition(last.topic, last.partition): OffsetAndMetadata(last.offset + 1, None)})
    c.close()


def consume_at(bootstrap, topic, timestamp, count):
    c = consumer(bootstrap, None, "earliest")
    tp = TopicPartition(topic, 0)
    found = c.offsets_for_times({tp: int(timestamp)})[tp]
    print("offset %d" % found.offset)
    c.assign([tp])
    c.seek(tp, found.offset)
    read(c, int(count))
    c.close()


def read_log(bootstrap, topic, count, fetch_bytes):
    """COUNT records of partition 0 from its start, fetching at most FETCH_BYTES of it at a time, as
    "record OFFSET KEY VALUE" (a null value as NULL)."""
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                      max_partition_fetch_bytes=int(fetch_bytes))
    tp = TopicPartition(topic, 0)
    c.assign([tp])
    c.seek_to_beginning(tp)
    read = 0
    deadline = time.time() + DEADLINE_S
    while read < int(count) and time.time() < deadline:
        for records in c.poll(timeout_ms=500, max_records=int(count) - read).values():
            for record in records:
                value = "NULL" if record.value is None else record.value.decode()
                print("record %d %s %s" % (record.offset, record.key.decode(), value), flush=True)
                read += 1
    c.close()
    if read < int(count):
        fail("read %d of %s records in %d s" % (read, count, DEADLINE_S))


def watermarks(bootstrap, topic):
    c = consumer(bootstrap, None, "earliest")
    tp = TopicPartition(topic, 0)
    print("low %d" % c.beginning_offsets([tp])[tp])
    print("high %d" % c.end_offsets([tp])[tp])
    c.close()


def committed(bootstrap, group, topic):
    c = consumer(bootstrap, group, "earliest")
    print("committed %d" % c.committed(TopicPartition(topic, 0)))
    c.close()


def admin(bootstrap):
    return KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=DEADLINE_S * 1000)


def check_errors(response):
    """Fails on the first non-zero error code in an admin response's topics or resources."""
    for name in ("topic_errors", "topic_error_codes", "resources"):
        for entry in getattr(response, name, []) or []:
            if entry[1] != 0:
                fail("%s: %s" % (name, entry))


def main():
    bootstrap, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if command == "produce":
        produce(bootstrap, *args)
    elif command == "consume":
        consume(bootstrap, *args)
    elif command == "consume-at":
        consume_at(bootstrap, *args)
    elif command == "read-log":
        read_log(bootstrap, *args)
    elif command == "watermarks":
        watermarks(bootstrap, *args)
    elif command == "committed":
        committed(bootstrap, *args)
    elif command == "create-topic":
        check_errors(admin(bootstrap).create_topics([NewTopic(args[0], int(args[1]), 1)]))
    elif command == "delete-topic":
        check_errors(admin(bootstrap).delete_topics([args[0]]))
    elif command == "create-partitions":
        check_errors(admin(bootstrap).create_partitions({args[0]: NewPartitions(int(args[1]))}))
    elif command == "list-topics":
        c = consumer(bootstrap, None, "earliest")
        for name in c.topics():
            print("topic %s %d" % (name, len(c.partitions_for_topic(name))))
        c.close()
    elif command == "list-groups":
        for group, _ in admin(bootstrap).list_consumer_groups():
            print("group " + group)
    elif command == "describe-group":
        for group in admin(bootstrap).describe_consumer_groups([args[0]]):
            if group.error_code != 0:
                fail("group %s: error %d" % (group.group, group.error_code))
            print("state " + group.state)
            print("members %d" % len(group.members))
    elif command == "delete-group":
        for group, error in admin(bootstrap).delete_consumer_groups([args[0]]):
            if error.errno != 0:
                fail("group %s: %s" % (group, error))
    elif command == "describe-config":
        for response in admin(bootstrap).describe_configs([ConfigResource(ConfigResourceType.TOPIC, args[0])]):
            for resource in response.resources:
                if resource[0] != 0:
                    fail("resource %s: %s" % (resource[3], resource[1]))
                for entry in resource[4]:
                    print("config %s %s" % (entry[0], entry[1]))
    elif command == "alter-config":
        resource = ConfigResource(ConfigResourceType.TOPIC, args[0], configs={args[1]: args[2]})
        response = admin(bootstrap).alter_configs([resource])
        for entry in response.resources:
            if entry[0] != 0:
                fail("resource %s: error %d %s" % (entry[3], entry[0], entry[1]))
    elif command == "delete-records":
        unsupported("kafka-python 2.0.2 has no delete_records")
    else:
        fail("unknown command " + command)


if __name__ == "__main__":
    main()
    sys.stdout.flush()
