// The live evaluation set: real contracts the classifier never trained on, deployed on a devnet
// by tests/e2e/contract_classes.test.mjs and scored from their code by
// `moed moe eval --task contract` (chain-config/corpus/contract_live.csv.gz). None of their
// families is in the training corpus (OpenZeppelin configurations, Uniswap v2, the launcher
// and the multisig below are not), and no near-copy of them is.
import { ozErc20, ozErc721, ozErc1155 } from './oz_templates.mjs';

const HEAD = '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n';
const OZ = '@openzeppelin/contracts';

/// A token launcher: anyone creates a fixed-supply token (CREATE); the factory keeps a list.
export const LAUNCHER = `${HEAD}
contract LaunchedToken {
    string public name; string public symbol; uint8 public constant decimals = 18; uint256 public totalSupply;
    mapping(address => uint256) public balanceOf; mapping(address => mapping(address => uint256)) public allowance;
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    constructor(string memory n, string memory s, uint256 supply, address to) { name = n; symbol = s; totalSupply = supply; balanceOf[to] = supply; emit Transfer(address(0), to, supply); }
    function transfer(address to, uint256 v) external returns (bool) { return transferFrom(msg.sender, to, v); }
    function approve(address s, uint256 v) external returns (bool) { allowance[msg.sender][s] = v; emit Approval(msg.sender, s, v); return true; }
    function transferFrom(address from, address to, uint256 v) public returns (bool) {
        if (from != msg.sender) { uint256 a = allowance[from][msg.sender]; require(a >= v, "allowance"); if (a != type(uint256).max) allowance[from][msg.sender] = a - v; }
        require(balanceOf[from] >= v, "balance"); unchecked { balanceOf[from] -= v; } balanceOf[to] += v; emit Transfer(from, to, v); return true;
    }
}
contract TokenLauncher {
    address[] public tokens;
    mapping(address => address[]) public tokensOf;
    event TokenLaunched(address indexed creator, address token, string symbol);
    function launch(string calldata name, string calldata symbol, uint256 supply) external returns (address token) {
        token = address(new LaunchedToken(name, symbol, supply, msg.sender));
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

export const TRANSPARENT_PROXY = `${HEAD}import "${OZ}/proxy/transparent/TransparentUpgradeableProxy.sol";\n`;

/// The OpenZeppelin configurations of the live set (none is among oz_templates' families).
export const OZ_LIVE = {
  'LiveGovToken.sol': ozErc20('LiveGovToken', ['permit', 'capped', 'burnable', 'mint']),
  'LiveCollection.sol': ozErc721('LiveCollection', ['enumerable', 'uristorage', 'pausable']),
  'LiveItems.sol': ozErc1155('LiveItems', ['supply', 'uristorage', 'batch']),
};

/// What the live set holds: [name, class, where its runtime code comes from].
export const LIVE_CONTRACTS = [
  ['LiveGovToken', 'erc20', 'oz'],
  ['LiveCollection', 'erc721', 'oz'],
  ['LiveItems', 'erc1155', 'oz'],
  ['TransparentUpgradeableProxy', 'proxy', 'oz'],
  ['TokenLauncher', 'factory', 'own'],
  ['LaunchedToken', 'erc20', 'own'],
  ['TeamVault', 'wallet', 'own'],
  ['UniswapV2Factory', 'factory', 'uniswap-core'],
  ['UniswapV2Pair', 'dex', 'uniswap-core'],
  ['UniswapV2Router02', 'dex', 'uniswap-periphery'],
  ['WETH9', 'erc20', 'uniswap-periphery'],
];
