"""confluent-kafka-python, one command per run, for the compatibility matrix.

Usage: confluent_client.py BOOTSTRAP COMMAND ARGS...  (the commands are listed in ScriptCells.java)
Prints "word value" lines; exits 0 on success, 3 when the client has no such operation, 1 on failure.
The environment variable COMPAT_CLIENT_CONFIG, when set, is a JSON object of librdkafka settings
(security.protocol, ssl.ca.location, sasl.* ...) added to every client's configuration; an
authentication error then ends the run at once ("error authentication ...") instead of at the deadline.
"""
import json
import os
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

DEADLINE_S = 30
UNSUPPORTED = 3


def fail(message):
    print("error " + message, flush=True)
    sys.exit(1)


def on_error(err):
    """librdkafka retries a refused login forever; the run fails at the first one instead."""
    if err.code() == KafkaError._AUTHENTICATION:
        print("error authentication " + str(err), flush=True)
        os._exit(1)


def config(settings):
    """settings with the connection settings of COMPAT_CLIENT_CONFIG, if any, added."""
    extra = os.environ.get("COMPAT_CLIENT_CONFIG")
    if not extra:
        return settings
    return dict(settings, error_cb=on_error, **json.loads(extra))


def unsupported(what):
    print("unsupported " + what, flush=True)
    sys.exit(UNSUPPORTED)


def produce(bootstrap, topic, codec, count, prefix):
    producer = Producer(config({"bootstrap.servers": bootstrap, "compression.type": codec, "linger.ms": 5}))
    errors = []
    for i in range(int(count)):
        producer.produce(topic, value=(prefix + str(i)).encode(), partition=0,
                         on_delivery=lambda err, msg: errors.append(err) if err else None)
    left = producer.flush(DEADLINE_S)
    if left or errors:
        fail("%d undelivered, errors %s" % (left, errors))
    print("produced " + count)


def transactions(bootstrap, topic, transactional_id):
    """Three transactions to partition 0 of TOPIC: c0 c1 committed, a0 a1 aborted, c2 committed; then
    reads the partition from its start with isolation.level=read_committed and prints what it saw."""
    producer = Producer(config({"bootstrap.servers": bootstrap, "transactional.id": transactional_id,
                                "linger.ms": 5}))
    producer.init_transactions(DEADLINE_S)
    for values, commit in ((["c0", "c1"], True), (["a0", "a1"], False), (["c2"], True)):
        producer.begin_transaction()
        for v in values:
            producer.produce(topic, value=v.encode(), partition=0)
        producer.flush(DEADLINE_S)
        if commit:
            producer.commit_transaction(DEADLINE_S)
        else:
            producer.abort_transaction(DEADLINE_S)
    c = Consumer(config({"bootstrap.servers": bootstrap, "group.id": "unused-" + topic,
                         "isolation.level": "read_committed", "enable.auto.commit": False}))
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    read(c, 3)
    c.close()


def consumer(bootstrap, group, reset):
    return Consumer(config({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": reset,
                            "enable.auto.commit": False, "session.timeout.ms": 10000}))


def read(c, count):
    values = []
    last = None
    deadline = time.time() + DEADLINE_S
    while len(values) < count and time.time() < deadline:
        msg = c.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            fail(str(msg.error()))
        values.append(msg.value().decode())
        last = msg
    for v in values:
        print("value " + v)
    if len(values) < count:
        fail("read %d of %d values in %d s" % (len(values), count, DEADLINE_S))
    return last


def consume(bootstrap, topic, group, reset, count):
    c = consumer(bootstrap, group, reset)
    c.subscribe([topic])
    last = read(c, int(count))
    c.commit(message=last, asynchronous=False)
    c.close()


def consume_at(bootstrap, topic, timestamp, count):
    c = consumer(bootstrap, "unused-" + topic, "earliest")
    found = c.offsets_for_times([TopicPartition(topic, 0, int(timestamp))], timeout=DEADLINE_S)
    print("offset %d" % found[0].offset)
    c.assign(found)
    read(c, int(count))
    c.close()


def read_log(bootstrap, topic, count, fetch_bytes):
    """COUNT records of partition 0 from its start, fetching at most FETCH_BYTES at a time, as
    "record OFFSET KEY VALUE" (a null value as NULL). FETCH_BYTES bounds the response (fetch.max.bytes);
    the partition's limit starts at librdkafka's maximum, as kcat's does in the same cell (see
    CompactedCells.LIBRDKAFKA_FETCH)."""
    c = Consumer(config({"bootstrap.servers": bootstrap, "group.id": "unused-" + topic, "enable.auto.commit": False,
                         "fetch.message.max.bytes": 1000000000, "fetch.max.bytes": int(fetch_bytes),
                         "message.max.bytes": 1000}))
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    read = 0
    deadline = time.time() + DEADLINE_S
    while read < int(count) and time.time() < deadline:
        msg = c.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            fail("at offset %s: %s" % (msg.offset(), msg.error()))
        value = "NULL" if msg.value() is None else msg.value().decode()
        print("record %d %s %s" % (msg.offset(), msg.key().decode(), value), flush=True)
        read += 1
    c.close()
    if read < int(count):
        fail("read %d of %s records in %d s" % (read, count, DEADLINE_S))


def watermarks(bootstrap, topic):
    c = consumer(bootstrap, "unused-" + topic, "earliest")
    low, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=DEADLINE_S)
    print("low %d" % low)
    print("high %d" % high)
    c.close()


def committed(bootstrap, group, topic):
    c = consumer(bootstrap, group, "earliest")
    offsets = c.committed([TopicPartition(topic, 0)], timeout=DEADLINE_S)
    print("committed %d" % offsets[0].offset)
    c.close()


ADMINS = []


def admin(bootstrap):
    """An admin client kept referenced until exit: its futures fail once the handle is collected."""
    client = AdminClient(config({"bootstrap.servers": bootstrap}))
    ADMINS.append(client)
    return client


def wait_all(futures):
    for f in futures.values():
        f.result(timeout=DEADLINE_S)


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
    elif command == "transactions":
        transactions(bootstrap, *args)
    elif command == "committed":
        committed(bootstrap, *args)
    elif command == "create-topic":
        wait_all(admin(bootstrap).create_topics([NewTopic(args[0], int(args[1]), 1)], request_timeout=DEADLINE_S))
    elif command == "delete-topic":
        wait_all(admin(bootstrap).delete_topics([args[0]], request_timeout=DEADLINE_S))
    elif command == "create-partitions":
        wait_all(admin(bootstrap).create_partitions([NewPartitions(args[0], int(args[1]))],
                                                    request_timeout=DEADLINE_S))
    elif command == "list-topics":
        for name, meta in admin(bootstrap).list_topics(timeout=DEADLINE_S).topics.items():
            if meta.error is not None:
                fail("topic %s: %s" % (name, meta.error))
            print("topic %s %d" % (name, len(meta.partitions)))
    elif command == "list-groups":
        for group in admin(bootstrap).list_groups(timeout=DEADLINE_S):
            if group.error is not None and group.error.code() != 0:
                fail("group %s: %s" % (group.id, group.error))
            print("group " + group.id)
    elif command == "describe-group":
        groups = admin(bootstrap).list_groups(group=args[0], timeout=DEADLINE_S)
        for group in groups:
            if group.error is not None and group.error.code() != 0:
                fail("group %s: %s" % (group.id, group.error))
            print("state " + group.state)
            print("members %d" % len(group.members))
    elif command == "describe-config":
        futures = admin(bootstrap).describe_configs([ConfigResource("topic", args[0])],
                                                    request_timeout=DEADLINE_S)
        for f in futures.values():
            for name, entry in f.result(timeout=DEADLINE_S).items():
                print("config %s %s" % (name, entry.value))
    elif command == "alter-config":
        resource = ConfigResource("topic", args[0], set_config={args[1]: args[2]})
        wait_all(admin(bootstrap).alter_configs([resource], request_timeout=DEADLINE_S))
    elif command in ("delete-group", "delete-records"):
        unsupported("confluent-kafka-python 1.7 has no " + command)
    else:
        fail("unknown command " + command)


if __name__ == "__main__":
    try:
        main()
    except KafkaException as e:
        fail("KafkaException " + str(e))
    sys.stdout.flush()
