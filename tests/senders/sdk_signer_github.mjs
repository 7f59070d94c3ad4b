#!/usr/bin/env node
// Signer for tests/unit/signature_cross_check_test.cc built on GitHub's own
// code: @octokit/webhooks-methods (the signing used by @octokit/webhooks and
// Probot), pinned in package.json. The same interface and output as
// tests/unit/sign_webhooks.py (one request per line, tab-separated, every
// field but the scheme and header names hex-encoded: scheme, secret, body,
// header name, header value), scheme "github" only: X-Hub-Signature-256 as
// sign() makes it, each also checked with verify() before it is printed.
// Bodies are text, never empty (the library takes a non-empty string).
//
// Usage: HOOKBRIDGE_NODE_MODULES=DIR node sdk_signer_github.mjs SEED COUNT NOW
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

// The package is installed outside the tree (sender_sdks_test.py), in the
// node_modules that HOOKBRIDGE_NODE_MODULES names; it is ESM only, so its
// Node entry point is read from its package.json's exports.
const home = path.join(process.env.HOOKBRIDGE_NODE_MODULES, "@octokit", "webhooks-methods");
const entry = JSON.parse(readFileSync(path.join(home, "package.json"), "utf8")).exports["."].node.import;
const { sign, verify } = await import(pathToFileURL(path.join(home, entry)).href);

const [seed, count] = process.argv.slice(2, 4).map(Number);
// mulberry32: a seeded generator, so every run signs the same requests.
let state = seed >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (low, high) => low + Math.floor(random() * (high - low + 1));
const alphabet = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 {}[]\":,.-_\u00e9\u4e2d"];
const hex = (text) => Buffer.from(text, "utf8").toString("hex");

for (let i = 0; i < count; ++i) {
  // Visible ASCII, as secrets are configured; no space at either end.
  let secret = "";
  for (let n = between(1, 64); n > 0; --n) secret += String.fromCharCode(between(0x21, 0x7e));
  let body = "";
  for (let n = [1, 17, between(1, 2048)][between(0, 2)]; n > 0; --n) {
    body += alphabet[between(0, alphabet.length - 1)];
  }
  const signature = await sign(secret, body);
  if (!(await verify(secret, body, signature))) throw new Error("verify() refused its own sign()");
  console.log(["github", hex(secret), hex(body), "X-Hub-Signature-256", hex(signature)].join("\t"));
}
