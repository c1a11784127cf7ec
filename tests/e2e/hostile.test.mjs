// Code that misbehaves ends its call as the spec says and the node keeps serving: runaway
// recursion mined and called, and creation code that underflows, jumps badly, hits INVALID or
// loops until out of gas, run through eth_call. Then clients that misbehave on the RPC port:
// half-sent requests, idle and slow connections, connection floods per address and in total,
// huge batches, WebSocket abuse and a sweep of malformed and mutated requests.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ethers } from 'ethers';
import { WebSocket } from 'ws';
import { compileSolidity } from './lib/solidity.mjs';
import { connect, shutdown, startDevnet, MOED, TEST_KEYS } from './lib/devnet.mjs';

const TEST_ADDRESS = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
contract Recursor {
    uint256 public deepest;
    function down(uint256 n) external returns (uint256) {
        if (n > deepest) deepest = n;
        return this.down(n + 1);
    }
}
`;

let devnet;
let provider;

before(async () => {
  devnet = await startDevnet();
  provider = connect(devnet);
});

after(() => shutdown(devnet, provider));

test('runaway recursion fails its call and its transaction, and nothing of it stays', async () => {
  const { contracts } = compileSolidity({ 'Recursor.sol': SOURCE });
  const wallet = new ethers.Wallet(TEST_KEYS[4], provider);
  const factory = new ethers.ContractFactory(contracts.Recursor.abi, contracts.Recursor.bytecode, wallet);
  const recursor = await factory.deploy();
  await recursor.waitForDeployment();
  await assert.rejects(recursor.down.staticCall(0n, { gasLimit: 30_000_000n }));
  const tx = await recursor.down(0n, { gasLimit: 5_000_000n });
  const receipt = await tx.wait(1, 30_000).catch((e) => e.receipt);
  assert.equal(receipt.status, 0);
  assert.equal(await recursor.deepest(), 0n);
});

test('hostile creation code gets an error each, never a crash', async () => {
  for (const [code, message] of [
    ['0x01', 'stack underflow'],
    ['0x600356', 'invalid jump destination'],
    ['0xfe', 'invalid opcode'],
    ['0x5b600056', 'out of gas'],
  ]) {
    const res = await fetch(devnet.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ data: code, gas: '0x100000' }, 'latest'] }),
    });
    const body = await res.json();
    assert.equal(body.error?.code, -32000, JSON.stringify(body));
    assert.equal(body.error.message, message);
  }
  assert.ok((await provider.getBlockNumber()) > 0);
});

// ---- The RPC port under hostile clients -------------------------------------------------
// A devnet with tight limits (config.json): 24 connections in all, 8 per remote address,
// 1 s for headers, 1.5 s for a body, 2 s idle. Linux routes all of 127.0.0.0/8 to the
// loopback interface, so clients bound to 127.0.0.2.. are other remote addresses.

const LIMITS = {
  rpc_max_connections: 24,
  rpc_max_connections_per_address: 8,
  rpc_header_timeout_ms: 1000,
  rpc_body_timeout_ms: 1500,
  rpc_idle_timeout_ms: 2000,
};

/// Opens a TCP connection from `localAddress`; resolves with the socket once connected, and
/// records when the server closes it and what it sent.
function openSocket(port, localAddress = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port, localAddress });
    socket.received = '';
    socket.ended = new Promise((done) => socket.once('close', done));
    socket.on('data', (d) => { socket.received += d; });
    socket.on('error', () => {});
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/// POSTs on a connection of its own (no keep-alive pool, so no reuse of a connection the
/// server has closed); a connection the server ends gives status 0.
function post(url, body, localAddress = '127.0.0.1') {
  return new Promise((resolve) => {
    const req = httpRequest(url, {
      method: 'POST', agent: false, localAddress,
      headers: { 'content-type': 'application/json', connection: 'close' },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.on('error', () => resolve({ status: 0, text: '' }));
    });
    req.on('error', (e) => resolve({ status: 0, text: String(e) }));
    req.end(body);
  });
}

async function blockNumberAnswered(url) {
  const res = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }));
  return res.status === 200 && /^0x[0-9a-f]+$/.test(JSON.parse(res.text).result ?? '');
}

function wsOpen(url, localAddress = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress, maxPayload: 64 * 1024 * 1024 });
    ws.ended = new Promise((done) => ws.once('close', (code) => done(code)));
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function wsCall(ws, text) {
  return new Promise((resolve) => {
    ws.once('message', (m) => resolve(JSON.parse(m.toString())));
    ws.send(text);
  });
}

describe('the RPC port under hostile clients', () => {
  let node;
  let root;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'moed-limits-'));
    const home = join(root, 'home');
    execFileSync(MOED, ['init', '--preset', 'devnet', '--home', home], { stdio: 'ignore' });
    const configFile = join(home, 'config.json');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), ...LIMITS }));
    node = await startDevnet({ home });
  });

  after(async () => {
    const how = await node?.stop();
    if (process.env.MOE_E2E_LOG) console.error(node?.log());
    rmSync(root, { recursive: true, force: true });
    assert.equal(how?.code, 0, `moed did not stop cleanly: ${JSON.stringify(how)}`);
  });

  test('600 half-sent requests from one address hold no slot that another address needs', async () => {
    const held = [];
    for (let i = 0; i < 600; ++i) {
      const s = await openSocket(node.port, '127.0.0.2').catch(() => null);
      if (s) {
        s.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Le');
        held.push(s);
      }
    }
    assert.equal(held.length, 600, 'every connection was accepted (the refused ones get a 503 after connecting)');
    assert.ok(await blockNumberAnswered(node.url), 'answered while they are held');
    // The server closes every one of them: the newer ones pushed out the older ones, and the
    // header timeout ends the rest.
    await Promise.all(held.map((s) => s.ended));
    assert.ok(held.every((s) => !s.received.includes('200 OK')));
    assert.ok(await blockNumberAnswered(node.url), 'answered after');
  });

  test('half-sent requests from the same address as a client give way to it', async () => {
    const held = [];
    for (let i = 0; i < 100; ++i) {
      const s = await openSocket(node.port, '127.0.0.1');
      s.write('GET /health HTTP/1.1\r\nHo');
      held.push(s);
    }
    assert.ok(await blockNumberAnswered(node.url));
    await Promise.all(held.map((s) => s.ended));
  });

  test('a body that stops coming and an idle keep-alive connection are closed by timeouts', async () => {
    const slowBody = await openSocket(node.port);
    slowBody.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jsonrpc"');
    const idle = await openSocket(node.port);
    await Promise.all([slowBody.ended, idle.ended]);
    assert.equal(idle.received, '');
    assert.ok(await blockNumberAnswered(node.url));
  });

  test('connections busy with WebSockets: the per-address and total limits refuse with 503', async () => {
    const sockets = [];
    for (let i = 0; i < LIMITS.rpc_max_connections_per_address; ++i) sockets.push(await wsOpen(node.wsUrl, '127.0.0.3'));
    const refused = await openSocket(node.port, '127.0.0.3');
    await refused.ended;
    assert.match(refused.received, /^HTTP\/1\.1 503[^]*"code":-32005/);
    assert.ok(await blockNumberAnswered(node.url), 'another address is served');
    // Fill the total: 8 more from each of two other addresses.
    for (const address of ['127.0.0.4', '127.0.0.5']) {
      for (let i = 0; i < LIMITS.rpc_max_connections_per_address; ++i) sockets.push(await wsOpen(node.wsUrl, address));
    }
    // A connection of an earlier test may still be closing; a newcomer takes its place, so
    // within a few tries every slot is a WebSocket and the answer is a 503.
    // (A refused client that sends nothing gets a clean close after the 503; one that sent a
    // request may see a reset instead, which is also a refusal but not one a test can read.)
    let refusedInTotal = false;
    for (let i = 0; i < 10 && !refusedInTotal; ++i) {
      const probe = await openSocket(node.port, '127.0.0.6');
      await probe.ended;  // at once when refused; after the idle timeout when admitted
      refusedInTotal = /^HTTP\/1\.1 503[^]*"code":-32005/.test(probe.received);
    }
    assert.ok(refusedInTotal, 'a 503 once every slot holds a WebSocket');
    // The WebSockets still work, and once they close everyone is served again.
    const answer = await wsCall(sockets[0], JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'eth_chainId' }));
    assert.equal(answer.result, '0x1080');
    for (const ws of sockets) ws.close();
    await Promise.all(sockets.map((ws) => ws.ended));
    assert.ok(await blockNumberAnswered(node.url));
  });

  test('a batch of 100000 requests gets -32005, over the body limit or under it', async () => {
    const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' });
    const under = `[${Array(100000).fill(call).join(',')}]`;  // 4.8 MB: parsed, over the batch limit
    assert.ok(under.length < 5 * 1024 * 1024);
    const a = await post(node.url, under);
    assert.equal(a.status, 200);
    assert.equal(JSON.parse(a.text).error.code, -32005);
    assert.match(JSON.parse(a.text).error.message, /batch too large/);
    const longer = JSON.stringify({ jsonrpc: '2.0', id: 123456, method: 'eth_blockNumber', params: [] });
    const over = `[${Array(100000).fill(longer).join(',')}]`;  // 7.4 MB: over the body limit, sent whole
    const b = await post(node.url, over);
    assert.equal(b.status, 413);
    assert.equal(JSON.parse(b.text).error.code, -32005);
    assert.ok(await blockNumberAnswered(node.url));
  });

  test('over a WebSocket: deep nesting and huge batches get errors, an oversize message closes it', async () => {
    const ws = await wsOpen(node.wsUrl);
    const deep = await wsCall(ws, '['.repeat(1_000_000));
    assert.equal(deep.error.code, -32600);
    const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' });
    const batch = await wsCall(ws, `[${Array(100000).fill(call).join(',')}]`);
    assert.equal(batch.error.code, -32005);
    const fine = await wsCall(ws, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'eth_blockNumber' }));
    assert.match(fine.result, /^0x/);
    ws.send('"' + 'a'.repeat(6 * 1024 * 1024) + '"');
    // The node closes with 1009 (message too big); the client, still sending, may see the
    // reset before that frame (1006). Either way the connection ends.
    assert.ok([1009, 1006].includes(await ws.ended));
    assert.ok(await blockNumberAnswered(node.url));
  });

  test('hostile-input sweep: each gets an error or a closed connection, and the node answers after each', async () => {
    const cases = [];
    for (const id of ['{"a":1}', '[1]', 'true', '1e400', '-1', '0.5', '"' + 'i'.repeat(100000) + '"', '18446744073709551616']) {
      cases.push(`{"jsonrpc":"2.0","id":${id},"method":"eth_chainId"}`);
    }
    cases.push(Buffer.from([...Buffer.from('{"jsonrpc":"2.0","id":1,"method":"eth_'), 0xff, 0xfe, 0xc3, 0x28, ...Buffer.from('"}')]));
    cases.push(Buffer.from([...Buffer.from('{"jsonrpc":"2.0","id":1,"method":"web3_sha3","params":["'), 0xed, 0xa0, 0x80, ...Buffer.from('"]}')]));
    cases.push(`{"jsonrpc":"2.0","id":1,"method":"web3_sha3","params":["0x${'ab'.repeat(2_000_000)}"]}`);
    cases.push(`{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x${'1'.repeat(1_000_000)}","latest"]}`);
    cases.push(`{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["0x${'f'.repeat(100)}",true]}`);
    cases.push(`{"jsonrpc":"2.0","id":1,"method":"eth_getLogs","params":[{"fromBlock":"0x0","toBlock":"0xffffffffffffffff","topics":[[${Array(5000).fill('null').join(',')}]]}]}`);
    cases.push(`{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"data":"0x${'00'.repeat(1_000_000)}"},"latest"]}`);

    // Mutated raw transactions: a signed transfer with bytes flipped, cut and grown.
    const wallet = new ethers.Wallet(TEST_KEYS[7]);
    const raw = ethers.getBytes(await wallet.signTransaction({
      type: 2, chainId: 4224, nonce: 0, to: TEST_ADDRESS, value: 1n, gasLimit: 21000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n,
    }));
    let seed = 12345;
    const random = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (let i = 0; i < 60; ++i) {
      const m = Array.from(raw);
      const kind = i % 3;
      if (kind === 0) m[random(m.length)] ^= 1 << random(8);
      else if (kind === 1) m.length = random(m.length);
      else m.splice(random(m.length), 0, random(256), random(256));
      cases.push(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'eth_sendRawTransaction', params: [ethers.hexlify(Uint8Array.from(m))] }));
    }
    // Mutated JSON: a valid request with characters replaced, dropped and doubled.
    const valid = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: [TEST_ADDRESS, 'latest'] });
    for (let i = 0; i < 60; ++i) {
      const chars = [...valid];
      for (let k = 0; k <= random(4); ++k) {
        const at = random(chars.length);
        const op = random(3);
        if (op === 0) chars[at] = '{}[]",:\\0x'[random(10)];
        else if (op === 1) chars.splice(at, 1);
        else chars.splice(at, 0, chars[at]);
      }
      cases.push(chars.join(''));
    }

    for (const body of cases) {
      const res = await post(node.url, body).catch((e) => ({ status: 0, text: String(e) }));
      if (res.status === 200 && res.text !== '') {
        const parsed = JSON.parse(res.text);  // an answer is always valid JSON
        assert.ok(parsed.error || 'result' in parsed || Array.isArray(parsed), res.text.slice(0, 200));
      } else {
        assert.ok(res.status === 413 || res.status === 0 || res.text === '', `${res.status} ${res.text.slice(0, 200)}`);
      }
      assert.ok(await blockNumberAnswered(node.url), `not answered after ${String(body).slice(0, 120)}`);
    }
  });
});
