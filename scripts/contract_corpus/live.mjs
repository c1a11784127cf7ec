// The live evaluation set: real contracts the classifier never trained on, deployed on a devnet
// by tests/e2e/contract_classes.test.mjs and scored from their code by
// `moed moe eval --task contract` (chain-config/corpus/contract_live.csv.gz). None of their
// families is in the training corpus (OpenZeppelin configurations and proxies, Uniswap v2, the
// launcher and the multisig below are not), and no code of theirs shares a skeleton with one
// there (`moed moe eval` counts them: live_in_corpus).
import { readFileSync } from 'node:fs';
import { compile, requireE2e } from './compile.mjs';
import { ozErc20, ozErc721, ozErc1155 } from './oz_templates.mjs';

const HEAD = '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n';
const OZ = '@openzeppelin/contracts';

/// A token launcher: anyone creates a fixed-supply OpenZeppelin token, by CREATE (`launch`) or at
/// an address known in advance by CREATE2 (`launchSalted`); the factory keeps a list. Its product
/// is an ERC20 + ERC20Burnable + ERC20Permit configuration no training family has.
export const LAUNCHER = `${HEAD}
import "${OZ}/token/ERC20/ERC20.sol";
import "${OZ}/token/ERC20/extensions/ERC20Burnable.sol";
import "${OZ}/token/ERC20/extensions/ERC20Permit.sol";
contract LaunchedToken is ERC20, ERC20Burnable, ERC20Permit {
    constructor(string memory n, string memory s, uint256 supply, address to) ERC20(n, s) ERC20Permit(n) { _mint(to, supply); }
}
contract TokenLauncher {
    address[] public tokens;
    mapping(address => address[]) public tokensOf;
    event TokenLaunched(address indexed creator, address token, string symbol);
    function launch(string calldata name, string calldata symbol, uint256 supply) external returns (address token) {
        token = address(new LaunchedToken(name, symbol, supply, msg.sender));
        _record(token, symbol);
    }
    function launchSalted(string calldata name, string calldata symbol, uint256 supply, bytes32 salt) external returns (address token) {
        token = address(new LaunchedToken{salt: keccak256(abi.encode(msg.sender, salt))}(name, symbol, supply, msg.sender));
        _record(token, symbol);
    }
    function _record(address token, string calldata symbol) private {
        tokens.push(token); tokensOf[msg.sender].push(token);
        emit TokenLaunched(msg.sender, token, symbol);
    }
    function tokenCount() external view returns (uint256) { return tokens.length; }
}
`;

/// A 2-of-3 style multisig where owners propose, approve and then anyone executes.
export const MULTISIG = `${HEAD}
contract TeamVault {
    struct Proposal { address target; uint256 value; bytes data; uint256 approvals; bool done; }
    mapping(address => bool) public isSigner; address[] public signers; uint256 public quorum;
    Proposal[] public proposals; mapping(uint256 => mapping(address => bool)) public approvedBy;
    event Proposed(uint256 indexed id, address indexed by, address target, uint256 value);
    event Approved(uint256 indexed id, address indexed by);
    event Executed(uint256 indexed id, bool ok);
    event Funded(address indexed from, uint256 value);
    constructor(address[] memory s, uint256 q) { require(q > 0 && q <= s.length, "quorum"); for (uint256 i = 0; i < s.length; i++) isSigner[s[i]] = true; signers = s; quorum = q; }
    receive() external payable { emit Funded(msg.sender, msg.value); }
    function propose(address target, uint256 value, bytes calldata data) external returns (uint256 id) {
        require(isSigner[msg.sender], "signer"); id = proposals.length; proposals.push(Proposal(target, value, data, 0, false));
        emit Proposed(id, msg.sender, target, value); approve(id);
    }
    function approve(uint256 id) public { require(isSigner[msg.sender] && !approvedBy[id][msg.sender], "approve"); approvedBy[id][msg.sender] = true; proposals[id].approvals++; emit Approved(id, msg.sender); }
    function execute(uint256 id) external { Proposal storage p = proposals[id]; require(!p.done && p.approvals >= quorum, "not approved"); p.done = true; (bool ok,) = p.target.call{value: p.value}(p.data); require(ok, "call"); emit Executed(id, ok); }
    function signerCount() external view returns (uint256) { return signers.length; }
}
`;

/// OpenZeppelin's proxies as they ship (ERC1967Proxy is no training family either).
export const PROXIES = `${HEAD}import "${OZ}/proxy/ERC1967/ERC1967Proxy.sol";\nimport "${OZ}/proxy/transparent/TransparentUpgradeableProxy.sol";\n`;

/// The OpenZeppelin configurations of the live set (none is among oz_templates' families).
export const OZ_LIVE = {
  'LiveGovToken.sol': ozErc20('LiveGovToken', ['permit', 'capped', 'burnable', 'mint']),
  'LiveCollection.sol': ozErc721('LiveCollection', ['enumerable', 'uristorage', 'pausable']),
  'LiveItems.sol': ozErc1155('LiveItems', ['supply', 'uristorage', 'batch']),
};

/// What the live set holds: [name, class, where its code comes from]. Every one is deployed on a
/// devnet by tests/e2e/contract_classes.test.mjs: LaunchedToken by the launcher (CREATE and
/// CREATE2), UniswapV2Pair by the factory's createPair (CREATE2), ProxyAdmin by the
/// TransparentUpgradeableProxy's constructor (CREATE), the rest by transactions.
export const LIVE_CONTRACTS = [
  ['LiveGovToken', 'erc20', 'oz'],
  ['LiveCollection', 'erc721', 'oz'],
  ['LiveItems', 'erc1155', 'oz'],
  ['ERC1967Proxy', 'proxy', 'oz'],
  ['TransparentUpgradeableProxy', 'proxy', 'oz'],
  ['ProxyAdmin', 'other', 'oz'],
  ['TokenLauncher', 'factory', 'own'],
  ['LaunchedToken', 'erc20', 'own'],
  ['TeamVault', 'wallet', 'own'],
  ['UniswapV2Factory', 'factory', 'uniswap-core'],
  ['UniswapV2Pair', 'dex', 'uniswap-core'],
  ['UniswapV2Router02', 'dex', 'uniswap-periphery'],
  ['WETH9', 'erc20', 'uniswap-periphery'],
];

/// The live set's solc-js settings (the compiler pinned in tests/e2e as 'solc').
export const LIVE_SOLC = { pkg: 'solc', runs: 1000, evmVersion: 'cancun' };

function artifact(pkg, name) {
  const a = JSON.parse(readFileSync(requireE2e.resolve(`${pkg}/build/${name}.json`), 'utf8'));
  return { abi: a.abi, bytecode: a.evm.bytecode.object, deployedBytecode: a.evm.deployedBytecode.object };
}

/// Every contract of the live set, by name: { abi, bytecode, deployedBytecode } (hex without
/// 0x), compiled by solc-js or read from the npm build artifacts of Uniswap v2.
export function liveBuild() {
  const out = compile(LIVE_SOLC.pkg, { ...OZ_LIVE, 'Launcher.sol': LAUNCHER, 'Multisig.sol': MULTISIG, 'Proxies.sol': PROXIES },
    LIVE_SOLC.runs, LIVE_SOLC.evmVersion);
  const compiled = {};
  for (const file of Object.values(out)) Object.assign(compiled, file);
  const byName = {};
  for (const [name, , source] of LIVE_CONTRACTS) {
    if (source === 'uniswap-core') byName[name] = artifact('@uniswap/v2-core', name);
    else if (source === 'uniswap-periphery') byName[name] = artifact('@uniswap/v2-periphery', name);
    else byName[name] = compiled[name];
    if (!byName[name]?.deployedBytecode) throw new Error(`live set: no runtime code for ${name}`);
  }
  return byName;
}
