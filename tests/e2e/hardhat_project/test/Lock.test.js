// Hardhat's tutorial tests of Lock, with ethers 6 over Hardhat's provider, run against a moed
// devnet: each test starts from the fixture's snapshot (evm_snapshot / evm_revert), time travel
// opens the lock, and an account nobody holds the key of is funded and impersonated.
const assert = require('node:assert/strict');
const hre = require('hardhat');
const { ethers } = require('ethers');
const { loadFixture, time, setBalance, impersonateAccount, stopImpersonatingAccount, rpc } = require('./helpers');

const ONE_YEAR = 365 * 24 * 60 * 60;
const ONE_GWEI = 1_000_000_000n;

describe('Lock on moed devnet', function () {
  // No response cache and fast polling: a test reads the chain right after changing it.
  const provider = new ethers.BrowserProvider(hre.network.provider, undefined, { cacheTimeout: -1, pollingInterval: 200 });

  async function deployOneYearLockFixture() {
    const [owner, other] = await Promise.all([provider.getSigner(0), provider.getSigner(1)]);
    const unlockTime = (await time.latest()) + ONE_YEAR;
    const { abi, bytecode } = await hre.artifacts.readArtifact('Lock');
    const lock = await new ethers.ContractFactory(abi, bytecode, owner).deploy(unlockTime, { value: ONE_GWEI });
    await lock.waitForDeployment();
    return { lock, unlockTime, owner, other };
  }

  it('runs against moed, not Hardhat Network', async function () {
    assert.equal(hre.network.name, 'moed');
    assert.match(await rpc('web3_clientVersion'), /^moed\//);
  });

  it('sets the unlock time and the owner, and holds the funds', async function () {
    const { lock, unlockTime, owner } = await loadFixture(deployOneYearLockFixture);
    assert.equal(await lock.unlockTime(), BigInt(unlockTime));
    assert.equal(await lock.owner(), owner.address);
    assert.equal(await provider.getBalance(await lock.getAddress()), ONE_GWEI);
  });

  it('refuses a withdrawal before the unlock time', async function () {
    const { lock } = await loadFixture(deployOneYearLockFixture);
    await assert.rejects(lock.withdraw(), /You can't withdraw yet/);
  });

  it('lets the owner withdraw after time travel, and no one else', async function () {
    const { lock, unlockTime, other } = await loadFixture(deployOneYearLockFixture);
    await time.increaseTo(unlockTime);
    await assert.rejects(lock.connect(other).withdraw(), /You aren't the owner/);
    const receipt = await (await lock.withdraw()).wait();
    assert.equal(receipt.status, 1);
    assert.equal(receipt.logs.length, 1);
    assert.equal(await provider.getBalance(await lock.getAddress()), 0n);
  });

  it('starts from the snapshot again: the withdrawal and the time travel are undone', async function () {
    const before = await provider.getBlockNumber();
    const { lock, unlockTime } = await loadFixture(deployOneYearLockFixture);
    assert.ok((await provider.getBlockNumber()) < before, 'evm_revert moved the head back');
    assert.equal(await provider.getBalance(await lock.getAddress()), ONE_GWEI);
    assert.ok((await time.latest()) < unlockTime);
    await assert.rejects(lock.withdraw(), /You can't withdraw yet/);
  });

  it('funds an account nobody has the key of and sends from it by impersonation', async function () {
    const { lock, unlockTime } = await loadFixture(deployOneYearLockFixture);
    const stranger = ethers.Wallet.createRandom().address;
    await setBalance(stranger, 10n ** 18n);
    assert.equal(await provider.getBalance(stranger), 10n ** 18n);
    await impersonateAccount(stranger);
    const signer = new ethers.JsonRpcSigner(provider, stranger);
    // The stranger's own lock, opened after a year of time travel.
    const { abi, bytecode } = await hre.artifacts.readArtifact('Lock');
    const own = await new ethers.ContractFactory(abi, bytecode, signer).deploy(unlockTime, { value: 1000n });
    await own.waitForDeployment();
    assert.equal(await own.owner(), stranger);
    await time.increase(ONE_YEAR + 60);
    const receipt = await (await own.withdraw()).wait();
    assert.equal(receipt.status, 1);
    assert.equal(receipt.from, stranger);
    // ... but the fixture's lock is still not the stranger's.
    await assert.rejects(lock.connect(signer).withdraw(), /You aren't the owner/);
    await stopImpersonatingAccount(stranger);
    await assert.rejects(signer.sendTransaction({ to: ethers.ZeroAddress, value: 1n }), /unknown account/);
  });
});
