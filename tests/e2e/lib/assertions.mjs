// Assertions shared by the contract tests: every failure says what was refused and the node's
// own message, and every wait has an end.
import assert from 'node:assert/strict';

export const WAIT_MS = 30_000;

/// The message the node put in a JSON-RPC error, wherever ethers wrapped it.
export function nodeMessage(e) {
  return e?.info?.error?.message ?? e?.error?.message ?? e?.shortMessage ?? e?.message ?? String(e);
}

/// An earlier test of the same file produced this, or it failed (and said why).
export function need(value, what) {
  if (value === undefined || value === null) assert.fail(`${what} is missing: an earlier test failed`);
  return value;
}

/// Resolves with `promise`, or fails with `what` after `ms`.
export function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: `timed out after ${ms} ms: ${what}` })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/// The value of `promise`; a rejection fails as "`what` was refused: <the node's message>".
export async function succeeds(promise, what) {
  try {
    return await promise;
  } catch (e) {
    assert.fail(`${what} was refused: ${nodeMessage(e)}`);
  }
}

/// Sends (`txPromise` is e.g. contract.method(args)) and waits for the receipt, within WAIT_MS.
export async function mined(txPromise, what) {
  const tx = await succeeds(txPromise, what);
  return tx.wait(1, WAIT_MS);
}

/// `promise` rejects as a revert with an Error(string) reason: `reason` if given, else any
/// non-empty one. Resolves with the reason.
export async function assertRevert(promise, reason, what) {
  let got;
  await assert.rejects(promise, (e) => {
    assert.equal(e.code, 'CALL_EXCEPTION', `${what}: expected a CALL_EXCEPTION, got ${e.code}: ${nodeMessage(e)}`);
    assert.equal(e.revert?.name, 'Error', `${what}: expected a revert with an Error(string) reason, got: ${nodeMessage(e)}`);
    if (reason !== undefined) assert.equal(e.reason, reason, `${what}: the revert reason`);
    assert.equal(typeof e.reason, 'string');
    assert.ok(e.reason.length > 0, `${what}: the reason is empty`);
    assert.deepEqual([...e.revert.args], [e.reason]);
    got = e.reason;
    return true;
  }, `${what}: expected a revert, but it succeeded`);
  return got;
}

/// `promise` rejects as a revert, with or without a reason. ethers makes a CALL_EXCEPTION of
/// any error of eth_call and eth_estimateGas, so this also wants revert data or geth's
/// "execution reverted" from the node: a node that refuses the call for another reason fails it.
export async function assertCallException(promise, what) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.code, 'CALL_EXCEPTION', `${what}: expected a CALL_EXCEPTION, got ${e.code}: ${nodeMessage(e)}`);
    assert.ok(e.data != null || /execution reverted/i.test(nodeMessage(e)),
      `${what}: expected a revert, got: ${nodeMessage(e)}`);
    return true;
  }, `${what}: expected a revert, but it succeeded`);
}

/// A transaction sent with its own gas limit (so not estimated first) is mined and reverts:
/// wait() rejects with the status-0 receipt, which is returned.
export async function minedReverted(txPromise, what) {
  const tx = await succeeds(txPromise, what);
  let receipt;
  await assert.rejects(tx.wait(1, WAIT_MS), (e) => {
    assert.equal(e.code, 'CALL_EXCEPTION', `${what}: expected a reverted receipt, got ${e.code}: ${nodeMessage(e)}`);
    assert.equal(e.receipt?.status, 0);
    receipt = e.receipt;
    return true;
  }, `${what}: expected status 0, but it succeeded`);
  return receipt;
}
