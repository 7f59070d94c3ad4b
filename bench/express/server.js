// The baseline a user would write instead of hookbridge: the Express handler
// from GetProfile's webhook docs, with its "TODO: process event here"
// completed by a Kafka producer (kafkajs) that awaits the broker's
// acknowledgement (acks=all) before answering 200. Everything else is kept as
// the docs have it, including the console.log of every event.
//
// Env: PORT (listen port on 127.0.0.1), GETPROFILE_API_KEY, KAFKA_BROKERS
// (comma-separated), KAFKA_TOPIC, BENCH_EXPRESS_LOG_EVENTS (1 = log each event
// as the docs do, the default; 0 = do not).
"use strict";

const express = require("express");
const { Kafka, logLevel } = require("kafkajs");

const port = Number(process.env.PORT || 3000);
const topic = process.env.KAFKA_TOPIC || "getprofile.events";
const logEvents = process.env.BENCH_EXPRESS_LOG_EVENTS !== "0";

const kafka = new Kafka({
  clientId: "bench-express",
  brokers: (process.env.KAFKA_BROKERS || "127.0.0.1:9092").split(","),
  logLevel: logLevel.WARN,
});
const producer = kafka.producer({ allowAutoTopicCreation: false });

const app = express();

app.post("/webhooks/getprofile", express.json(), async (req, res) => {
  const authHeader = req.headers["authorization"];

  if (!authHeader || !authHeader.startsWith("Bearer ")) {
    return res
      .status(401)
      .send("Unauthorized: Missing or invalid Authorization header");
  }

  const incomingSecret = authHeader.split(" ")[1];

  if (incomingSecret !== process.env.GETPROFILE_API_KEY) {
    return res.status(401).send("Unauthorized: Invalid webhook secret");
  }

  const event = req.body;
  if (logEvents) console.log("Received webhook event:", event);

  // The docs' "TODO: process event here": hand the event to Kafka, keyed by
  // profile, and answer 200 only once the broker has acknowledged it.
  try {
    await producer.send({
      topic,
      acks: -1, // acks=all
      messages: [{ key: String(event.data.profile_id), value: JSON.stringify(event) }],
    });
  } catch (err) {
    console.error("Kafka send failed:", err.message);
    return res.status(503).send("Service Unavailable: event not stored");
  }

  res.status(200).send("OK");
});

async function main() {
  await producer.connect();
  const server = app.listen(port, "127.0.0.1", () => {
    console.error(`express baseline listening on 127.0.0.1:${port}, topic ${topic}`);
  });
  const shutdown = async () => {
    server.close();
    await producer.disconnect().catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((err) => {
  console.error("express baseline failed to start:", err);
  process.exit(1);
});
