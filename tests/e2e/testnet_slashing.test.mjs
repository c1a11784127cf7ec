// A validator that signs two conflicting prevotes is caught: the evidence is gossiped, a
// block includes it, the staking contract slashes and jails the validator, and it leaves the
// set at the next epoch. Garbage on a P2P port costs the sender its connection, nothing else.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { ethers } from 'ethers';
import { MOED, connect } from './lib/devnet.mjs';
import { createTestnet, rpc, waitFor } from './lib/testnet.mjs';

const STAKING = '0x0000000000000000000000000000000000001000';
const net = await createTestnet({ validators: 4, genesis: { epoch_length: 8 } });
after(async () => { await net.shutdown(); });

/// Opens a TCP connection to a P2P port, writes `bytes`, and resolves when the node closes it.
function closedAfter(port, bytes) {
  return new Promise((resolve, reject) => {
    const s = new Socket();
    const timer = setTimeout(() => { s.destroy(); reject(new Error('the node kept the connection open')); }, 8000);
    s.on('close', () => { clearTimeout(timer); resolve(true); });
    s.on('error', () => {});
    s.on('data', () => {});
    s.connect(port, '127.0.0.1', () => s.write(bytes));
  });
}

test('garbage and oversize frames on the P2P port get the sender disconnected, nothing else', async () => {
  await net.startAll();
  await net.waitHeight(2);
  const port = net.nodes[0].p2pPort;
  await closedAfter(port, randomBytes(4096));
  await closedAfter(port, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x01]));
  await closedAfter(port, Buffer.concat([Buffer.from([0, 0, 0, 5, 0x04]), randomBytes(4)]));  // a vote before any handshake
  const h = await net.height(0);
  await net.waitHeight(h + 3);
  const status = await rpc(net.nodes[0].url, 'validator_getStatus');
  assert.equal(status.peers.length, 3, 'node 0 kept its three peers');
});

test('a double-signing validator is slashed and jailed in a block, visible over RPC', async () => {
  const victim = 3;
  const address = (await rpc(net.nodes[victim].url, 'validator_getStatus')).validator;
  const before = (await rpc(net.nodes[0].url, 'validator_getValidators', ['latest'])).candidates
    .find((c) => c.address.toLowerCase() === address.toLowerCase());
  assert.ok(before && !before.jailed);

  const evidenceIn = async (i) => (await rpc(net.nodes[i].url, 'validator_getEvidence', ['0x1', 'latest'])).committed
    .find((e) => e.validator.toLowerCase() === address.toLowerCase());
  // The crafted votes name the peer's next height; a height that ends while they travel makes
  // them stale, so try a few times.
  await waitFor('evidence in a block', 60_000, async () => {
    if (await evidenceIn(0)) return true;
    execFileSync(MOED, ['byzantine', 'double-prevote', '--home', net.nodes[victim].home,
      '--peer', `127.0.0.1:${net.nodes[0].p2pPort}`], { stdio: 'pipe' });
    return waitFor('evidence', 6000, () => evidenceIn(0)).catch(() => false);
  }, 100);

  const ev = await evidenceIn(0);
  assert.equal(ev.voteA.type, 'prevote');
  assert.notEqual(ev.voteA.blockHash, ev.voteB.blockHash);
  // Every node holds the same evidence in the same block.
  for (const n of net.nodes) {
    await net.waitHeight(Number(ev.blockNumber));
    const e = await evidenceIn(n.i);
    assert.equal(e?.blockNumber, ev.blockNumber, `node ${n.i}`);
  }
  const after = (await rpc(net.nodes[1].url, 'validator_getValidators', ['latest'])).candidates
    .find((c) => c.address.toLowerCase() === address.toLowerCase());
  assert.equal(after.jailed, true);
  assert.ok(BigInt(after.stake) < BigInt(before.stake), 'the stake was slashed');

  // The contract itself says so, through its ABI.
  const provider = connect(net.nodes[2]);
  const staking = new ethers.Contract(STAKING, ['function jailOf(address) view returns (bool, uint256)'], provider);
  const [jailed] = await staking.jailOf(address);
  assert.equal(jailed, true);
  provider.destroy();

  // At the next epoch the set has three validators, and the chain goes on.
  await waitFor('the jailed validator to leave the set', 60_000, async () =>
    (await rpc(net.nodes[0].url, 'validator_getValidators', ['latest'])).validators.length === 3);
  const h = await net.height(0);
  await net.waitHeight(h + 3, [0, 1, 2]);
  await net.assertSameChain(h + 3, [0, 1, 2]);
});
