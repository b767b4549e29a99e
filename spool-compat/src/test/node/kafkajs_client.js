// kafkajs, one command per run, for the compatibility matrix.
//
// Usage: node kafkajs_client.js BOOTSTRAP COMMAND ARGS...  (the commands are listed in ScriptCells.java)
// Prints "word value" lines; exits 0 on success, 3 when the client cannot do the command (kafkajs
// ships gzip only: snappy, lz4 and zstd need codec packages of their own), 1 on failure.
// The environment variable COMPAT_CLIENT_CONFIG, when set, is a JSON object of kafkajs client options
// (ssl, sasl) added to the client's.
'use strict';

const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

const DEADLINE_MS = 30000;
const UNSUPPORTED = 3;
const CODECS = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP };

function fail(message) {
  console.log('error ' + message);
  process.exit(1);
}

function unsupported(what) {
  console.log('unsupported ' + what);
  process.exit(UNSUPPORTED);
}

function withDeadline(promise, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(what + ' took longer than ' + DEADLINE_MS + ' ms')), DEADLINE_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function produce(kafka, topic, codec, count, prefix) {
  if (!(codec in CODECS)) {
    unsupported('kafkajs has no built-in ' + codec + ' codec');
  }
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < Number(count); i++) {
    messages.push({ value: prefix + i, partition: 0 });
  }
  await producer.send({ topic, messages, compression: CODECS[codec] });
  await producer.disconnect();
  console.log('produced ' + count);
}

/** Reads `count` values (from `offset` when given, else the group's position), prints them, returns the last. */
async function read(consumer, topic, count, offset) {
  const values = [];
  let last = null;
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  await consumer.subscribe({ topics: [topic], fromBeginning: consumer.fromBeginning });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message, partition }) => {
      if (values.length >= count) {
        return;
      }
      values.push(message.value.toString());
      last = { topic, partition, offset: (BigInt(message.offset) + 1n).toString() };
      if (values.length === count) {
        done();
      }
    },
  });
  if (offset !== undefined) {
    consumer.seek({ topic, partition: 0, offset });
  }
  try {
    await withDeadline(finished, 'reading ' + count + ' values');
  } finally {
    values.forEach((v) => console.log('value ' + v));
  }
  return last;
}

async function consume(kafka, topic, group, reset, count) {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000 });
  consumer.fromBeginning = reset === 'earliest';
  await consumer.connect();
  const last = await read(consumer, topic, Number(count));
  await consumer.commitOffsets([last]);
  await consumer.disconnect();
}

/**
 * `count` records of partition 0 from its start, fetching at most `fetchBytes` of it at a time, as
 * "record OFFSET KEY VALUE" (a null value as NULL).
 */
async function readLog(kafka, topic, count, fetchBytes) {
  const consumer = kafka.consumer({ groupId: 'unused-' + topic + '-' + Date.now(),
    maxBytesPerPartition: Number(fetchBytes) });
  await consumer.connect();
  let read = 0;
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      if (read >= Number(count)) {
        return;
      }
      const value = message.value === null ? 'NULL' : message.value.toString();
      console.log('record ' + message.offset + ' ' + message.key.toString() + ' ' + value);
      read += 1;
      if (read === Number(count)) {
        done();
      }
    },
  });
  await withDeadline(finished, 'reading ' + count + ' records');
  await consumer.disconnect();
}

async function consumeAt(kafka, admin, topic, timestamp, count) {
  const found = await admin.fetchTopicOffsetsByTimestamp(topic, Number(timestamp));
  const offset = found.find((p) => p.partition === 0).offset;
  console.log('offset ' + offset);
  const consumer = kafka.consumer({ groupId: 'unused-' + topic + '-' + Date.now() });
  consumer.fromBeginning = true;
  await consumer.connect();
  await read(consumer, topic, Number(count), offset);
  await consumer.disconnect();
}

async function main() {
  const [bootstrap, command, ...args] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'spool-compat', brokers: [bootstrap], logLevel: logLevel.ERROR,
    requestTimeout: DEADLINE_MS, retry: { retries: 3 }, ...JSON.parse(process.env.COMPAT_CLIENT_CONFIG || '{}') });
  const admin = kafka.admin();
  await admin.connect();
  try {
    switch (command) {
      case 'produce': await produce(kafka, ...args); break;
      case 'consume': await consume(kafka, ...args); break;
      case 'consume-at': await consumeAt(kafka, admin, ...args); break;
      case 'read-log': await readLog(kafka, ...args); break;
      case 'watermarks': {
        const p = (await admin.fetchTopicOffsets(args[0])).find((o) => o.partition === 0);
        console.log('low ' + p.low);
        console.log('high ' + p.high);
        break;
      }
      case 'committed': {
        const [group, topic] = args;
        const topics = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        console.log('committed ' + topics[0].partitions.find((p) => p.partition === 0).offset);
        break;
      }
      case 'create-topic': {
        const created = await admin.createTopics({ waitForLeaders: true,
          topics: [{ topic: args[0], numPartitions: Number(args[1]), replicationFactor: 1 }] });
        if (!created) fail('createTopics answered false: the topic already existed');
        break;
      }
      case 'delete-topic': await admin.deleteTopics({ topics: [args[0]] }); break;
      case 'create-partitions':
        await admin.createPartitions({ topicPartitions: [{ topic: args[0], count: Number(args[1]) }] });
        break;
      case 'list-topics': {
        const names = await admin.listTopics();
        const metadata = await admin.fetchTopicMetadata({ topics: names });
        metadata.topics.forEach((t) => console.log('topic ' + t.name + ' ' + t.partitions.length));
        break;
      }
      case 'list-groups':
        (await admin.listGroups()).groups.forEach((g) => console.log('group ' + g.groupId));
        break;
      case 'describe-group':
        (await admin.describeGroups([args[0]])).groups.forEach((g) => {
          if (g.errorCode !== 0) fail('group ' + g.groupId + ': error ' + g.errorCode);
          console.log('state ' + g.state);
          console.log('members ' + g.members.length);
        });
        break;
      case 'delete-group': await admin.deleteGroups([args[0]]); break;
      case 'describe-config': {
        const described = await admin.describeConfigs({ includeSynonyms: false,
          resources: [{ type: 2, name: args[0] }] });
        described.resources.forEach((r) => {
          if (r.errorCode !== 0) fail('resource ' + r.resourceName + ': error ' + r.errorCode);
          r.configEntries.forEach((e) => console.log('config ' + e.configName + ' ' + e.configValue));
        });
        break;
      }
      case 'alter-config':
        await admin.alterConfigs({ validateOnly: false,
          resources: [{ type: 2, name: args[0], configEntries: [{ name: args[1], value: args[2] }] }] });
        break;
      case 'delete-records':
        // deleteTopicRecords finds the leaders in metadata it does not load itself
        await admin.fetchTopicMetadata({ topics: [args[0]] });
        await admin.deleteTopicRecords({ topic: args[0], partitions: [{ partition: 0, offset: args[1] }] });
        break;
      default: fail('unknown command ' + command);
    }
  } finally {
    await admin.disconnect();
  }
}

withDeadline(main(), 'the command').then(() => process.exit(0)).catch((e) => fail(e.stack || String(e)));
