// Contracts we write ourselves for the contract classifier's training corpus: each family is a
// design (a token, an AMM pair, a router, a factory, a multisig...) built from optional parts, so
// that one family gives several distinct codes. Every source compiles with solc 0.6.12 to 0.8.x.
// A family's codes form one group of the split: all of them are held out, or none.

const HEAD = '// SPDX-License-Identifier: MIT\npragma solidity >=0.6.12 <0.9.0;\npragma experimental ABIEncoderV2;\n';

/// A seeded generator (mulberry32), so the corpus is the same on every run.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/// The subsets of `parts` a family is built with: `count` of them, seeded, distinct.
function combos(parts, count, seed) {
  const r = rng(seed);
  const out = new Set();
  for (let i = 0; i < 200 && out.size < count; ++i) out.add(parts.filter(() => r() < 0.5).join(','));
  return [...out].map((s) => (s ? s.split(',') : []));
}

const OWNED = `
    address public owner;
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    modifier onlyOwner() { require(msg.sender == owner, "owner"); _; }
    function transferOwnership(address to) external onlyOwner { emit OwnershipTransferred(owner, to); owner = to; }`;

const IS_CONTRACT = `
    function _isContract(address a) internal view returns (bool c) { assembly { c := gt(extcodesize(a), 0) } }`;

// ---- erc20 ------------------------------------------------------------------------------------
function erc20(name, opts) {
  const has = (o) => opts.includes(o);
  return `
contract ${name} {
    ${has('meta') ? 'string public name = "Tok"; string public symbol = "TOK"; uint8 public decimals = 18;' : ''}
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    ${has('blacklist') ? 'mapping(address => bool) public blacklisted;' : ''}
    ${has('pause') ? 'bool public paused;' : ''}
    ${has('fee') ? 'uint256 public feeBps = 100; address public feeSink;' : ''}
    ${has('cap') ? 'uint256 public cap = 1e27;' : ''}
    ${has('permit') ? 'mapping(address => uint256) public nonces; bytes32 public DOMAIN_SEPARATOR;' : ''}
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    ${OWNED}
    constructor() public { owner = msg.sender; _mint(msg.sender, 1e24); }
    function transfer(address to, uint256 value) external returns (bool) { _move(msg.sender, to, value); return true; }
    function approve(address spender, uint256 value) external returns (bool) { _approve(msg.sender, spender, value); return true; }
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        require(allowance[from][msg.sender] >= value, "allowance");
        allowance[from][msg.sender] -= value;
        _move(from, to, value);
        return true;
    }
    function _approve(address o, address s, uint256 v) internal { allowance[o][s] = v; emit Approval(o, s, v); }
    function _move(address from, address to, uint256 value) internal {
        ${has('blacklist') ? 'require(!blacklisted[from] && !blacklisted[to], "blacklisted");' : ''}
        ${has('pause') ? 'require(!paused, "paused");' : ''}
        require(balanceOf[from] >= value, "balance");
        balanceOf[from] -= value;
        ${has('fee') ? 'uint256 fee = value * feeBps / 10000; balanceOf[feeSink] += fee; value -= fee; emit Transfer(from, feeSink, fee);' : ''}
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
    function _mint(address to, uint256 value) internal {
        ${has('cap') ? 'require(totalSupply + value <= cap, "cap");' : ''}
        totalSupply += value; balanceOf[to] += value; emit Transfer(address(0), to, value);
    }
    ${has('mint') ? 'function mint(address to, uint256 value) external onlyOwner { _mint(to, value); }' : ''}
    ${has('burn') ? 'function burn(uint256 value) external { require(balanceOf[msg.sender] >= value); balanceOf[msg.sender] -= value; totalSupply -= value; emit Transfer(msg.sender, address(0), value); }' : ''}
    ${has('pause') ? 'function pause() external onlyOwner { paused = true; } function unpause() external onlyOwner { paused = false; }' : ''}
    ${has('blacklist') ? 'function setBlacklist(address a, bool b) external onlyOwner { blacklisted[a] = b; }' : ''}
    ${has('fee') ? 'function setFee(uint256 bps, address sink) external onlyOwner { feeBps = bps; feeSink = sink; }' : ''}
    ${has('allowance') ? 'function increaseAllowance(address s, uint256 v) external returns (bool) { _approve(msg.sender, s, allowance[msg.sender][s] + v); return true; } function decreaseAllowance(address s, uint256 v) external returns (bool) { _approve(msg.sender, s, allowance[msg.sender][s] - v); return true; }' : ''}
    ${has('permit') ? `function permit(address o, address s, uint256 v, uint256 deadline, uint8 pv, bytes32 r, bytes32 ss) external {
        require(block.timestamp <= deadline, "expired");
        bytes32 digest = keccak256(abi.encodePacked("\\x19\\x01", DOMAIN_SEPARATOR, keccak256(abi.encode(o, s, v, nonces[o]++, deadline))));
        require(ecrecover(digest, pv, r, ss) == o, "signature");
        _approve(o, s, v);
    }` : ''}
}
`;
}

// A wrapped-ether token: deposit and withdraw besides the ERC-20 functions.
function wrapped(name, opts) {
  const has = (o) => opts.includes(o);
  return `
contract ${name} {
    string public name = "Wrapped"; string public symbol = "WNAT"; uint8 public decimals = 18;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    event Transfer(address indexed src, address indexed dst, uint256 wad);
    event Approval(address indexed src, address indexed guy, uint256 wad);
    event Deposit(address indexed dst, uint256 wad);
    event Withdrawal(address indexed src, uint256 wad);
    ${has('receive') ? 'receive() external payable { deposit(); }' : ''}
    function deposit() public payable { balanceOf[msg.sender] += msg.value; emit Deposit(msg.sender, msg.value); }
    function withdraw(uint256 wad) external { require(balanceOf[msg.sender] >= wad); balanceOf[msg.sender] -= wad; payable(msg.sender).transfer(wad); emit Withdrawal(msg.sender, wad); }
    function totalSupply() external view returns (uint256) { return address(this).balance; }
    function approve(address guy, uint256 wad) external returns (bool) { allowance[msg.sender][guy] = wad; emit Approval(msg.sender, guy, wad); return true; }
    function transfer(address dst, uint256 wad) external returns (bool) { return transferFrom(msg.sender, dst, wad); }
    function transferFrom(address src, address dst, uint256 wad) public returns (bool) {
        require(balanceOf[src] >= wad);
        if (src != msg.sender ${has('infinite') ? '&& allowance[src][msg.sender] != type(uint256).max' : ''}) { require(allowance[src][msg.sender] >= wad); allowance[src][msg.sender] -= wad; }
        balanceOf[src] -= wad; balanceOf[dst] += wad; emit Transfer(src, dst, wad); return true;
    }
    ${has('flash') ? 'function flashMint(uint256 amount, bytes calldata data) external { balanceOf[msg.sender] += amount; (bool ok,) = msg.sender.call(data); require(ok); require(balanceOf[msg.sender] >= amount); balanceOf[msg.sender] -= amount; }' : ''}
}
`;
}

// ---- erc721 -----------------------------------------------------------------------------------
function erc721(name, opts) {
  const has = (o) => opts.includes(o);
  return `
interface IReceiver721 { function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4); }
contract ${name} {
    ${has('meta') ? 'string public name = "Nft"; string public symbol = "NFT"; string public baseURI;' : ''}
    mapping(uint256 => address) internal owners;
    mapping(address => uint256) public balanceOf;
    mapping(uint256 => address) public getApproved;
    mapping(address => mapping(address => bool)) public isApprovedForAll;
    ${has('enumerable') ? 'uint256[] internal all; mapping(address => uint256[]) internal owned;' : ''}
    ${has('sale') ? 'uint256 public price = 1e16; uint256 public maxSupply = 10000; uint256 public minted;' : ''}
    ${has('royalty') ? 'address public royaltyReceiver; uint96 public royaltyBps = 500;' : ''}
    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);
    ${OWNED}
    ${IS_CONTRACT}
    constructor() public { owner = msg.sender; }
    function supportsInterface(bytes4 id) external pure returns (bool) { return id == 0x80ac58cd || id == 0x01ffc9a7 ${has('meta') ? '|| id == 0x5b5e139f' : ''} ${has('royalty') ? '|| id == 0x2a55205a' : ''}; }
    function ownerOf(uint256 id) public view returns (address o) { o = owners[id]; require(o != address(0), "none"); }
    function approve(address to, uint256 id) external { address o = ownerOf(id); require(msg.sender == o || isApprovedForAll[o][msg.sender]); getApproved[id] = to; emit Approval(o, to, id); }
    function setApprovalForAll(address op, bool ok) external { isApprovedForAll[msg.sender][op] = ok; emit ApprovalForAll(msg.sender, op, ok); }
    function transferFrom(address from, address to, uint256 id) public {
        require(from == ownerOf(id), "from");
        require(msg.sender == from || isApprovedForAll[from][msg.sender] || msg.sender == getApproved[id], "auth");
        balanceOf[from]--; balanceOf[to]++; owners[id] = to; delete getApproved[id];
        emit Transfer(from, to, id);
    }
    function safeTransferFrom(address from, address to, uint256 id) external { safeTransferFrom(from, to, id, ""); }
    function safeTransferFrom(address from, address to, uint256 id, bytes memory data) public {
        transferFrom(from, to, id);
        if (_isContract(to)) require(IReceiver721(to).onERC721Received(msg.sender, from, id, data) == 0x150b7a02, "receiver");
    }
    function _mint(address to, uint256 id) internal {
        require(owners[id] == address(0), "exists");
        owners[id] = to; balanceOf[to]++;
        ${has('enumerable') ? 'all.push(id); owned[to].push(id);' : ''}
        emit Transfer(address(0), to, id);
    }
    ${has('sale') ? 'function mint(uint256 n) external payable { require(msg.value >= price * n && minted + n <= maxSupply); for (uint256 i = 0; i < n; i++) _mint(msg.sender, ++minted); } function withdraw() external onlyOwner { payable(owner).transfer(address(this).balance); }' : 'function mint(address to, uint256 id) external onlyOwner { _mint(to, id); }'}
    ${has('burn') ? 'function burn(uint256 id) external { address o = ownerOf(id); require(msg.sender == o); balanceOf[o]--; delete owners[id]; emit Transfer(o, address(0), id); }' : ''}
    ${has('meta') ? 'function tokenURI(uint256 id) external view returns (string memory) { require(owners[id] != address(0)); return baseURI; } function setBaseURI(string calldata u) external onlyOwner { baseURI = u; }' : ''}
    ${has('enumerable') ? 'function totalSupply() external view returns (uint256) { return all.length; } function tokenByIndex(uint256 i) external view returns (uint256) { return all[i]; } function tokenOfOwnerByIndex(address o, uint256 i) external view returns (uint256) { return owned[o][i]; }' : ''}
    ${has('royalty') ? 'function royaltyInfo(uint256, uint256 salePrice) external view returns (address, uint256) { return (royaltyReceiver, salePrice * royaltyBps / 10000); }' : ''}
}
`;
}

// ---- erc1155 ----------------------------------------------------------------------------------
function erc1155(name, opts) {
  const has = (o) => opts.includes(o);
  return `
interface IReceiver1155 {
    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4);
    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata) external returns (bytes4);
}
contract ${name} {
    mapping(uint256 => mapping(address => uint256)) public balanceOf;
    mapping(address => mapping(address => bool)) public isApprovedForAll;
    string internal baseUri;
    ${has('supply') ? 'mapping(uint256 => uint256) public totalSupply;' : ''}
    ${has('uris') ? 'mapping(uint256 => string) internal uris;' : ''}
    event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value);
    event TransferBatch(address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values);
    event ApprovalForAll(address indexed account, address indexed operator, bool approved);
    event URI(string value, uint256 indexed id);
    ${OWNED}
    ${IS_CONTRACT}
    constructor() public { owner = msg.sender; }
    function supportsInterface(bytes4 id) external pure returns (bool) { return id == 0xd9b67a26 || id == 0x01ffc9a7 || id == 0x0e89341c; }
    function uri(uint256 id) external view returns (string memory) { ${has('uris') ? 'if (bytes(uris[id]).length > 0) return uris[id];' : ''} return baseUri; }
    function balanceOfBatch(address[] calldata accounts, uint256[] calldata ids) external view returns (uint256[] memory out) {
        require(accounts.length == ids.length, "length");
        out = new uint256[](ids.length);
        for (uint256 i = 0; i < ids.length; i++) out[i] = balanceOf[ids[i]][accounts[i]];
    }
    function setApprovalForAll(address op, bool ok) external { isApprovedForAll[msg.sender][op] = ok; emit ApprovalForAll(msg.sender, op, ok); }
    function safeTransferFrom(address from, address to, uint256 id, uint256 value, bytes calldata data) external {
        require(msg.sender == from || isApprovedForAll[from][msg.sender], "auth");
        balanceOf[id][from] -= value; balanceOf[id][to] += value;
        emit TransferSingle(msg.sender, from, to, id, value);
        if (_isContract(to)) require(IReceiver1155(to).onERC1155Received(msg.sender, from, id, value, data) == 0xf23a6e61, "receiver");
    }
    function safeBatchTransferFrom(address from, address to, uint256[] calldata ids, uint256[] calldata values, bytes calldata data) external {
        require(msg.sender == from || isApprovedForAll[from][msg.sender], "auth");
        for (uint256 i = 0; i < ids.length; i++) { balanceOf[ids[i]][from] -= values[i]; balanceOf[ids[i]][to] += values[i]; }
        emit TransferBatch(msg.sender, from, to, ids, values);
        if (_isContract(to)) require(IReceiver1155(to).onERC1155BatchReceived(msg.sender, from, ids, values, data) == 0xbc197c81, "receiver");
    }
    function mint(address to, uint256 id, uint256 value) external onlyOwner {
        balanceOf[id][to] += value; ${has('supply') ? 'totalSupply[id] += value;' : ''}
        emit TransferSingle(msg.sender, address(0), to, id, value);
    }
    ${has('batchmint') ? 'function mintBatch(address to, uint256[] calldata ids, uint256[] calldata values) external onlyOwner { for (uint256 i = 0; i < ids.length; i++) balanceOf[ids[i]][to] += values[i]; emit TransferBatch(msg.sender, address(0), to, ids, values); }' : ''}
    ${has('burn') ? 'function burn(address from, uint256 id, uint256 value) external { require(msg.sender == from || isApprovedForAll[from][msg.sender]); balanceOf[id][from] -= value; emit TransferSingle(msg.sender, from, address(0), id, value); }' : ''}
    ${has('uris') ? 'function setURI(uint256 id, string calldata u) external onlyOwner { uris[id] = u; emit URI(u, id); }' : 'function setURI(string calldata u) external onlyOwner { baseUri = u; }'}
}
`;
}

// ---- dex: pairs, pools, routers ---------------------------------------------------------------
const IERC20 = `
interface IERC20Like {
    function balanceOf(address) external view returns (uint256);
    function transfer(address, uint256) external returns (bool);
    function transferFrom(address, address, uint256) external returns (bool);
}`;

/// A constant-product pair with Uniswap v2's interface (as its many forks keep it), its
/// liquidity shares an ERC-20 of their own.
function pair(name, opts) {
  const has = (o) => opts.includes(o);
  return `${IERC20}
${has('callee') ? 'interface ICallee { function hook(address, uint256, uint256, bytes calldata) external; }' : ''}
contract ${name} {
    ${has('lpmeta') ? 'string public constant name = "LP"; string public constant symbol = "LP"; uint8 public constant decimals = 18;' : ''}
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    ${has('lptransfer') ? 'mapping(address => mapping(address => uint256)) public allowance;' : ''}
    address public factory; address public token0; address public token1;
    uint112 internal reserve0; uint112 internal reserve1; uint32 internal blockTimestampLast;
    ${has('twap') ? 'uint256 public price0CumulativeLast; uint256 public price1CumulativeLast;' : ''}
    ${has('klast') ? 'uint256 public kLast;' : ''}
    uint256 internal unlocked = 1;
    event Transfer(address indexed from, address indexed to, uint256 value);
    ${has('lptransfer') ? 'event Approval(address indexed owner, address indexed spender, uint256 value);' : ''}
    event Mint(address indexed sender, uint256 amount0, uint256 amount1);
    event Burn(address indexed sender, uint256 amount0, uint256 amount1, address indexed to);
    event Swap(address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out, uint256 amount1Out, address indexed to);
    event Sync(uint112 reserve0, uint112 reserve1);
    modifier lock() { require(unlocked == 1, "locked"); unlocked = 0; _; unlocked = 1; }
    constructor() public { factory = msg.sender; }
    function initialize(address a, address b) external { require(msg.sender == factory, "factory"); token0 = a; token1 = b; }
    function getReserves() public view returns (uint112, uint112, uint32) { return (reserve0, reserve1, blockTimestampLast); }
    function _update(uint256 b0, uint256 b1) internal {
        ${has('twap') ? 'uint32 t = uint32(block.timestamp); uint32 dt = t - blockTimestampLast; if (dt > 0 && reserve0 != 0 && reserve1 != 0) { price0CumulativeLast += uint256(reserve1) * 2**112 / reserve0 * dt; price1CumulativeLast += uint256(reserve0) * 2**112 / reserve1 * dt; }' : ''}
        reserve0 = uint112(b0); reserve1 = uint112(b1); blockTimestampLast = uint32(block.timestamp);
        emit Sync(reserve0, reserve1);
    }
    function _mintShares(address to, uint256 v) internal { totalSupply += v; balanceOf[to] += v; emit Transfer(address(0), to, v); }
    function _sqrt(uint256 y) internal pure returns (uint256 z) { if (y > 3) { z = y; uint256 x = y / 2 + 1; while (x < z) { z = x; x = (y / x + x) / 2; } } else if (y != 0) { z = 1; } }
    function mint(address to) external lock returns (uint256 liquidity) {
        uint256 b0 = IERC20Like(token0).balanceOf(address(this)); uint256 b1 = IERC20Like(token1).balanceOf(address(this));
        uint256 a0 = b0 - reserve0; uint256 a1 = b1 - reserve1;
        if (totalSupply == 0) { liquidity = _sqrt(a0 * a1) - 1000; _mintShares(address(0), 1000); }
        else { uint256 l0 = a0 * totalSupply / reserve0; uint256 l1 = a1 * totalSupply / reserve1; liquidity = l0 < l1 ? l0 : l1; }
        require(liquidity > 0, "liquidity");
        _mintShares(to, liquidity);
        _update(b0, b1);
        ${has('klast') ? 'kLast = uint256(reserve0) * reserve1;' : ''}
        emit Mint(msg.sender, a0, a1);
    }
    function burn(address to) external lock returns (uint256 a0, uint256 a1) {
        uint256 liquidity = balanceOf[address(this)];
        uint256 b0 = IERC20Like(token0).balanceOf(address(this)); uint256 b1 = IERC20Like(token1).balanceOf(address(this));
        a0 = liquidity * b0 / totalSupply; a1 = liquidity * b1 / totalSupply;
        balanceOf[address(this)] = 0; totalSupply -= liquidity; emit Transfer(address(this), address(0), liquidity);
        IERC20Like(token0).transfer(to, a0); IERC20Like(token1).transfer(to, a1);
        _update(IERC20Like(token0).balanceOf(address(this)), IERC20Like(token1).balanceOf(address(this)));
        emit Burn(msg.sender, a0, a1, to);
    }
    function swap(uint256 out0, uint256 out1, address to, bytes calldata data) external lock {
        require(out0 < reserve0 && out1 < reserve1, "liquidity");
        if (out0 > 0) IERC20Like(token0).transfer(to, out0);
        if (out1 > 0) IERC20Like(token1).transfer(to, out1);
        ${has('callee') ? 'if (data.length > 0) ICallee(to).hook(msg.sender, out0, out1, data);' : 'data;'}
        uint256 b0 = IERC20Like(token0).balanceOf(address(this)); uint256 b1 = IERC20Like(token1).balanceOf(address(this));
        uint256 in0 = b0 > reserve0 - out0 ? b0 - (reserve0 - out0) : 0;
        uint256 in1 = b1 > reserve1 - out1 ? b1 - (reserve1 - out1) : 0;
        require((b0 * 1000 - in0 * ${has('fee25') ? 25 : 3}) * (b1 * 1000 - in1 * ${has('fee25') ? 25 : 3}) >= uint256(reserve0) * reserve1 * 1000000, "K");
        _update(b0, b1);
        emit Swap(msg.sender, in0, in1, out0, out1, to);
    }
    ${has('skim') ? 'function skim(address to) external lock { IERC20Like(token0).transfer(to, IERC20Like(token0).balanceOf(address(this)) - reserve0); IERC20Like(token1).transfer(to, IERC20Like(token1).balanceOf(address(this)) - reserve1); } function sync() external lock { _update(IERC20Like(token0).balanceOf(address(this)), IERC20Like(token1).balanceOf(address(this))); }' : ''}
    ${has('lptransfer') ? 'function approve(address s, uint256 v) external returns (bool) { allowance[msg.sender][s] = v; emit Approval(msg.sender, s, v); return true; } function transfer(address to, uint256 v) external returns (bool) { balanceOf[msg.sender] -= v; balanceOf[to] += v; emit Transfer(msg.sender, to, v); return true; } function transferFrom(address f, address to, uint256 v) external returns (bool) { allowance[f][msg.sender] -= v; balanceOf[f] -= v; balanceOf[to] += v; emit Transfer(f, to, v); return true; }' : ''}
}
`;
}

/// A pool of another design: two or more coins, its own names (a stable-swap style, or a
/// single-sided constant-product pool with an owner fee).
function pool(name, opts) {
  const has = (o) => opts.includes(o);
  const curve = has('curve');
  return `${IERC20}
contract ${name} {
    address[2] public coins;
    uint256[2] public balances;
    uint256 public ${curve ? 'A = 100' : 'feeBps = 30'};
    uint256 public totalSupply;
    mapping(address => uint256) public ${curve ? 'shares' : 'liquidityOf'};
    address public admin;
    event TokenExchange(address indexed buyer, int128 sold_id, uint256 tokens_sold, int128 bought_id, uint256 tokens_bought);
    event AddLiquidity(address indexed provider, uint256[2] token_amounts, uint256 token_supply);
    event RemoveLiquidity(address indexed provider, uint256[2] token_amounts, uint256 token_supply);
    ${has('ramp') && curve ? 'event RampA(uint256 old_A, uint256 new_A);' : ''}
    constructor(address a, address b) public { coins[0] = a; coins[1] = b; admin = msg.sender; }
    function ${curve ? 'get_dy' : 'getAmountOut'}(int128 i, int128 j, uint256 dx) public view returns (uint256) {
        uint256 x = balances[uint256(int256(i))]; uint256 y = balances[uint256(int256(j))];
        ${curve ? 'uint256 d = x + y; uint256 dy = dx * y / (x + dx); return (dy * A + (dx < y ? dx : y) * (1000 - A) / 10) / (A + (1000 - A) / 10) - d * 0;' : 'uint256 withFee = dx * (10000 - feeBps); return withFee * y / (x * 10000 + withFee);'}
    }
    function exchange(int128 i, int128 j, uint256 dx, uint256 min_dy) external returns (uint256 dy) {
        dy = ${curve ? 'get_dy' : 'getAmountOut'}(i, j, dx);
        require(dy >= min_dy, "slippage");
        uint256 si = uint256(int256(i)); uint256 sj = uint256(int256(j));
        IERC20Like(coins[si]).transferFrom(msg.sender, address(this), dx);
        IERC20Like(coins[sj]).transfer(msg.sender, dy);
        balances[si] += dx; balances[sj] -= dy;
        emit TokenExchange(msg.sender, i, dx, j, dy);
    }
    function add_liquidity(uint256[2] calldata amounts, uint256 min_mint) external returns (uint256 minted) {
        for (uint256 k = 0; k < 2; k++) { IERC20Like(coins[k]).transferFrom(msg.sender, address(this), amounts[k]); }
        minted = totalSupply == 0 ? amounts[0] + amounts[1] : (amounts[0] + amounts[1]) * totalSupply / (balances[0] + balances[1]);
        require(minted >= min_mint, "slippage");
        balances[0] += amounts[0]; balances[1] += amounts[1];
        totalSupply += minted; ${curve ? 'shares' : 'liquidityOf'}[msg.sender] += minted;
        emit AddLiquidity(msg.sender, amounts, totalSupply);
    }
    function remove_liquidity(uint256 amount, uint256[2] calldata min_amounts) external returns (uint256[2] memory out) {
        for (uint256 k = 0; k < 2; k++) {
            out[k] = balances[k] * amount / totalSupply; require(out[k] >= min_amounts[k], "slippage");
            balances[k] -= out[k]; IERC20Like(coins[k]).transfer(msg.sender, out[k]);
        }
        totalSupply -= amount; ${curve ? 'shares' : 'liquidityOf'}[msg.sender] -= amount;
        emit RemoveLiquidity(msg.sender, out, totalSupply);
    }
    ${has('ramp') && curve ? 'function ramp_A(uint256 a) external { require(msg.sender == admin); emit RampA(A, a); A = a; }' : ''}
    ${has('virtualprice') ? 'function get_virtual_price() external view returns (uint256) { return totalSupply == 0 ? 0 : (balances[0] + balances[1]) * 1e18 / totalSupply; }' : ''}
    ${has('oneside') ? 'function remove_liquidity_one_coin(uint256 amount, int128 i, uint256 min_amount) external returns (uint256 out) { uint256 k = uint256(int256(i)); out = (balances[0] + balances[1]) * amount / totalSupply; require(out >= min_amount && out <= balances[k]); balances[k] -= out; totalSupply -= amount; IERC20Like(coins[k]).transfer(msg.sender, out); }' : ''}
}
`;
}

/// A router over pairs with Uniswap v2's interface: quotes along a path, swaps through pairs,
/// adds and removes liquidity; optionally with ether in and out, exact-output swaps, addresses
/// fixed at deployment (immutable), pair addresses computed (CREATE2) rather than asked for,
/// swaps of tokens that take a fee on transfer, liquidity in ether, and removal with a permit.
function router(name, opts) {
  const has = (o) => opts.includes(o);
  const eth = has('eth');
  const imm = has('immutable') ? ' immutable' : '';
  const pairFor = has('computed')
    ? `bytes32 private constant PAIR_CODE_HASH = keccak256("pair");
    function _pair(address a, address b) internal view returns (address) {
        (address t0, address t1) = a < b ? (a, b) : (b, a);
        return address(uint160(uint256(keccak256(abi.encodePacked(hex"ff", factory, keccak256(abi.encodePacked(t0, t1)), PAIR_CODE_HASH)))));
    }`
    : 'function _pair(address a, address b) internal view returns (address) { return IFactoryLike(factory).getPair(a, b); }';
  return `${IERC20}
interface IPairLike {
    function getReserves() external view returns (uint112, uint112, uint32);
    function swap(uint256, uint256, address, bytes calldata) external;
    function mint(address) external returns (uint256);
    function burn(address) external returns (uint256, uint256);
    function token0() external view returns (address);
}
interface IFactoryLike { function getPair(address, address) external view returns (address); function createPair(address, address) external returns (address); }
${has('permit') ? 'interface IPermitLike { function permit(address, address, uint256, uint256, uint8, bytes32, bytes32) external; }' : ''}
${eth ? 'interface IWrapped { function deposit() external payable; function withdraw(uint256) external; function transfer(address, uint256) external returns (bool); }' : ''}
contract ${name} {
    address public${imm} factory;
    ${eth ? `address public${imm} WETH;` : ''}
    modifier ensure(uint256 deadline) { require(deadline >= block.timestamp, "expired"); _; }
    constructor(address f${eth ? ', address w' : ''}) public { factory = f; ${eth ? 'WETH = w;' : ''} }
    ${eth ? 'receive() external payable { require(msg.sender == WETH); }' : ''}
    ${pairFor}
    function quote(uint256 a, uint256 ra, uint256 rb) public pure returns (uint256) { require(a > 0 && ra > 0 && rb > 0); return a * rb / ra; }
    function getAmountOut(uint256 amountIn, uint256 rin, uint256 rout) public pure returns (uint256) { uint256 f = amountIn * 997; return f * rout / (rin * 1000 + f); }
    function getAmountIn(uint256 amountOut, uint256 rin, uint256 rout) public pure returns (uint256) { return rin * amountOut * 1000 / ((rout - amountOut) * 997) + 1; }
    function _reserves(address a, address b) internal view returns (uint256 ra, uint256 rb, address p) {
        p = _pair(a, b);
        (uint112 r0, uint112 r1,) = IPairLike(p).getReserves();
        (ra, rb) = a == IPairLike(p).token0() ? (uint256(r0), uint256(r1)) : (uint256(r1), uint256(r0));
    }
    function getAmountsOut(uint256 amountIn, address[] memory path) public view returns (uint256[] memory amounts) {
        amounts = new uint256[](path.length); amounts[0] = amountIn;
        for (uint256 i = 0; i + 1 < path.length; i++) { (uint256 ra, uint256 rb,) = _reserves(path[i], path[i + 1]); amounts[i + 1] = getAmountOut(amounts[i], ra, rb); }
    }
    ${has('exactout') ? 'function getAmountsIn(uint256 amountOut, address[] memory path) public view returns (uint256[] memory amounts) { amounts = new uint256[](path.length); amounts[path.length - 1] = amountOut; for (uint256 i = path.length - 1; i > 0; i--) { (uint256 ra, uint256 rb,) = _reserves(path[i - 1], path[i]); amounts[i - 1] = getAmountIn(amounts[i], ra, rb); } }' : ''}
    function _swap(uint256[] memory amounts, address[] memory path, address to) internal {
        for (uint256 i = 0; i + 1 < path.length; i++) {
            address p = _pair(path[i], path[i + 1]);
            uint256 out = amounts[i + 1];
            (uint256 o0, uint256 o1) = path[i] == IPairLike(p).token0() ? (uint256(0), out) : (out, uint256(0));
            address next = i + 2 < path.length ? _pair(path[i + 1], path[i + 2]) : to;
            IPairLike(p).swap(o0, o1, next, new bytes(0));
        }
    }
    function swapExactTokensForTokens(uint256 amountIn, uint256 amountOutMin, address[] calldata path, address to, uint256 deadline) external ensure(deadline) returns (uint256[] memory amounts) {
        amounts = getAmountsOut(amountIn, path);
        require(amounts[amounts.length - 1] >= amountOutMin, "output");
        IERC20Like(path[0]).transferFrom(msg.sender, _pair(path[0], path[1]), amounts[0]);
        _swap(amounts, path, to);
    }
    ${has('exactout') ? 'function swapTokensForExactTokens(uint256 amountOut, uint256 amountInMax, address[] calldata path, address to, uint256 deadline) external ensure(deadline) returns (uint256[] memory amounts) { amounts = getAmountsIn(amountOut, path); require(amounts[0] <= amountInMax, "input"); IERC20Like(path[0]).transferFrom(msg.sender, _pair(path[0], path[1]), amounts[0]); _swap(amounts, path, to); }' : ''}
    ${eth ? 'function swapExactETHForTokens(uint256 amountOutMin, address[] calldata path, address to, uint256 deadline) external payable ensure(deadline) returns (uint256[] memory amounts) { require(path[0] == WETH); amounts = getAmountsOut(msg.value, path); require(amounts[amounts.length - 1] >= amountOutMin); IWrapped(WETH).deposit{value: amounts[0]}(); IWrapped(WETH).transfer(_pair(path[0], path[1]), amounts[0]); _swap(amounts, path, to); }' : ''}
    ${eth && has('ethout') ? `function swapExactTokensForETH(uint256 amountIn, uint256 amountOutMin, address[] calldata path, address to, uint256 deadline) external ensure(deadline) returns (uint256[] memory amounts) {
        require(path[path.length - 1] == WETH, "path");
        amounts = getAmountsOut(amountIn, path);
        require(amounts[amounts.length - 1] >= amountOutMin, "output");
        IERC20Like(path[0]).transferFrom(msg.sender, _pair(path[0], path[1]), amounts[0]);
        _swap(amounts, path, address(this));
        IWrapped(WETH).withdraw(amounts[amounts.length - 1]);
        (bool ok,) = to.call{value: amounts[amounts.length - 1]}(new bytes(0)); require(ok, "eth");
    }
    function removeLiquidityETH(address token, uint256 liquidity, uint256 minToken, uint256 minEth, address to, uint256 deadline) external ensure(deadline) returns (uint256 amountToken, uint256 amountEth) {
        address p = _pair(token, WETH);
        IERC20Like(p).transferFrom(msg.sender, p, liquidity);
        (uint256 x, uint256 y) = IPairLike(p).burn(address(this));
        (amountToken, amountEth) = token < WETH ? (x, y) : (y, x);
        require(amountToken >= minToken && amountEth >= minEth, "amounts");
        IERC20Like(token).transfer(to, amountToken);
        IWrapped(WETH).withdraw(amountEth);
        (bool ok,) = to.call{value: amountEth}(new bytes(0)); require(ok, "eth");
    }` : ''}
    ${has('feeontransfer') ? `function _hopMeasured(address a, address b, address next) internal {
        (uint256 ra, uint256 rb, address p) = _reserves(a, b);
        uint256 out = getAmountOut(IERC20Like(a).balanceOf(p) - ra, ra, rb);
        (uint256 o0, uint256 o1) = a == IPairLike(p).token0() ? (uint256(0), out) : (out, uint256(0));
        IPairLike(p).swap(o0, o1, next, new bytes(0));
    }
    function swapExactTokensForTokensSupportingFeeOnTransferTokens(uint256 amountIn, uint256 amountOutMin, address[] calldata path, address to, uint256 deadline) external ensure(deadline) {
        IERC20Like(path[0]).transferFrom(msg.sender, _pair(path[0], path[1]), amountIn);
        uint256 before = IERC20Like(path[path.length - 1]).balanceOf(to);
        for (uint256 i = 0; i + 1 < path.length; i++) _hopMeasured(path[i], path[i + 1], i + 2 < path.length ? _pair(path[i + 1], path[i + 2]) : to);
        require(IERC20Like(path[path.length - 1]).balanceOf(to) - before >= amountOutMin, "output");
    }` : ''}
    ${eth && has('addeth') ? `function addLiquidityETH(address token, uint256 amountTokenDesired, uint256 amountTokenMin, uint256 amountETHMin, address to, uint256 deadline) external payable ensure(deadline) returns (uint256 amountToken, uint256 amountETH, uint256 liquidity) {
        address p = IFactoryLike(factory).getPair(token, WETH);
        if (p == address(0)) p = IFactoryLike(factory).createPair(token, WETH);
        (uint256 rt, uint256 re,) = _reserves(token, WETH);
        if (rt == 0 && re == 0) { (amountToken, amountETH) = (amountTokenDesired, msg.value); }
        else {
            uint256 optimal = quote(msg.value, re, rt);
            if (optimal <= amountTokenDesired) { require(optimal >= amountTokenMin, "token"); (amountToken, amountETH) = (optimal, msg.value); }
            else { amountETH = quote(amountTokenDesired, rt, re); require(amountETH >= amountETHMin, "eth"); amountToken = amountTokenDesired; }
        }
        IERC20Like(token).transferFrom(msg.sender, p, amountToken);
        IWrapped(WETH).deposit{value: amountETH}();
        require(IWrapped(WETH).transfer(p, amountETH), "weth");
        liquidity = IPairLike(p).mint(to);
        if (msg.value > amountETH) { (bool ok,) = msg.sender.call{value: msg.value - amountETH}(new bytes(0)); require(ok, "refund"); }
    }` : ''}
    ${eth && has('ethout') && has('exactout') ? `function swapTokensForExactETH(uint256 amountOut, uint256 amountInMax, address[] calldata path, address to, uint256 deadline) external ensure(deadline) returns (uint256[] memory amounts) {
        require(path[path.length - 1] == WETH, "path");
        amounts = getAmountsIn(amountOut, path);
        require(amounts[0] <= amountInMax, "input");
        IERC20Like(path[0]).transferFrom(msg.sender, _pair(path[0], path[1]), amounts[0]);
        _swap(amounts, path, address(this));
        IWrapped(WETH).withdraw(amounts[amounts.length - 1]);
        (bool ok,) = to.call{value: amounts[amounts.length - 1]}(new bytes(0)); require(ok, "eth");
    }
    function swapETHForExactTokens(uint256 amountOut, address[] calldata path, address to, uint256 deadline) external payable ensure(deadline) returns (uint256[] memory amounts) {
        require(path[0] == WETH, "path");
        amounts = getAmountsIn(amountOut, path);
        require(amounts[0] <= msg.value, "input");
        IWrapped(WETH).deposit{value: amounts[0]}();
        require(IWrapped(WETH).transfer(_pair(path[0], path[1]), amounts[0]), "weth");
        _swap(amounts, path, to);
        if (msg.value > amounts[0]) { (bool ok,) = msg.sender.call{value: msg.value - amounts[0]}(new bytes(0)); require(ok, "refund"); }
    }` : ''}
    ${has('permit') ? `function removeLiquidityWithPermit(address a, address b, uint256 liquidity, uint256 minA, uint256 minB, address to, uint256 deadline, bool approveMax, uint8 v, bytes32 r, bytes32 s) external returns (uint256 x, uint256 y) {
        address p = _pair(a, b);
        IPermitLike(p).permit(msg.sender, address(this), approveMax ? type(uint256).max : liquidity, deadline, v, r, s);
        (x, y) = removeLiquidity(a, b, liquidity, minA, minB, to, deadline);
    }` : ''}
    function addLiquidity(address a, address b, uint256 da, uint256 db, uint256 minA, uint256 minB, address to, uint256 deadline) external ensure(deadline) returns (uint256, uint256, uint256 liquidity) {
        address p = IFactoryLike(factory).getPair(a, b);
        if (p == address(0)) p = IFactoryLike(factory).createPair(a, b);
        require(da >= minA && db >= minB, "amounts");
        IERC20Like(a).transferFrom(msg.sender, p, da); IERC20Like(b).transferFrom(msg.sender, p, db);
        liquidity = IPairLike(p).mint(to);
        return (da, db, liquidity);
    }
    function removeLiquidity(address a, address b, uint256 liquidity, uint256 minA, uint256 minB, address to, uint256 deadline) public ensure(deadline) returns (uint256 x, uint256 y) {
        address p = _pair(a, b);
        IERC20Like(p).transferFrom(msg.sender, p, liquidity);
        (x, y) = IPairLike(p).burn(to);
        require(x >= minA && y >= minB, "amounts");
    }
}
`;
}

// ---- factories --------------------------------------------------------------------------------
/// A factory of pairs: the pair's creation code rides inside the factory, so the factory carries
/// the pair's selectors without answering them.
function pairFactory(name, opts, product) {
  const has = (o) => opts.includes(o);
  return `${product}
contract ${name} {
    address public feeTo; address public feeToSetter;
    mapping(address => mapping(address => address)) public getPair;
    address[] public allPairs;
    event PairCreated(address indexed token0, address indexed token1, address pair, uint256);
    constructor(address setter) public { feeToSetter = setter; }
    function allPairsLength() external view returns (uint256) { return allPairs.length; }
    function createPair(address a, address b) external returns (address p) {
        require(a != b, "identical");
        (address t0, address t1) = a < b ? (a, b) : (b, a);
        require(t0 != address(0) && getPair[t0][t1] == address(0), "exists");
        ${has('create2') ? `bytes32 salt = keccak256(abi.encodePacked(t0, t1)); p = address(new ${opts.productName}{salt: salt}());` : `p = address(new ${opts.productName}());`}
        ${opts.productName}(p).initialize(t0, t1);
        getPair[t0][t1] = p; getPair[t1][t0] = p; allPairs.push(p);
        emit PairCreated(t0, t1, p, allPairs.length);
    }
    function setFeeTo(address f) external { require(msg.sender == feeToSetter, "forbidden"); feeTo = f; }
    ${has('setter') ? 'function setFeeToSetter(address s) external { require(msg.sender == feeToSetter, "forbidden"); feeToSetter = s; }' : ''}
    ${has('codehash') ? `function pairCodeHash() external pure returns (bytes32) { return keccak256(type(${opts.productName}).creationCode); }` : ''}
}
`;
}

/// A factory of anything: deploys its product with new (CREATE or CREATE2), records it, emits.
function productFactory(name, opts, product) {
  const has = (o) => opts.includes(o);
  const p = opts.productName;
  return `${product}
contract ${name} {
    address[] public ${has('registry') ? 'deployments' : 'instances'};
    mapping(address => bool) public ${has('registry') ? 'isDeployed' : 'fromFactory'};
    ${has('fee') ? 'uint256 public creationFee; address public treasury;' : ''}
    event ${has('registry') ? 'Deployed' : 'InstanceCreated'}(address indexed creator, address instance${has('indexedsalt') ? ', bytes32 indexed salt' : ''});
    ${has('fee') ? 'constructor(uint256 fee) public { creationFee = fee; treasury = msg.sender; }' : ''}
    function ${has('registry') ? 'deploy' : 'create'}(bytes32 salt) external payable returns (address instance) {
        ${has('fee') ? 'require(msg.value >= creationFee, "fee"); payable(treasury).transfer(msg.value);' : ''}
        ${has('create2') ? `instance = address(new ${p}{salt: keccak256(abi.encodePacked(msg.sender, salt))}());` : `instance = address(new ${p}()); salt;`}
        ${has('registry') ? 'deployments' : 'instances'}.push(instance); ${has('registry') ? 'isDeployed' : 'fromFactory'}[instance] = true;
        emit ${has('registry') ? 'Deployed' : 'InstanceCreated'}(msg.sender, instance${has('indexedsalt') ? ', salt' : ''});
    }
    function count() external view returns (uint256) { return ${has('registry') ? 'deployments' : 'instances'}.length; }
    ${has('predict') && has('create2') ? `function predict(address creator, bytes32 salt) external view returns (address) { return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), keccak256(abi.encodePacked(creator, salt)), keccak256(type(${p}).creationCode)))))); }` : ''}
}
`;
}

/// A generic deployer: deploys the creation code it is given (CREATE2 with a salt, or CREATE),
/// as the singleton factories and Create2Deployer do; it carries no product of its own.
function deployer(name, opts) {
  const has = (o) => opts.includes(o);
  return `
contract ${name} {
    event ContractCreated(address indexed addr${has('salted') ? ', bytes32 indexed salt' : ''});
    ${has('owned') ? OWNED : ''}
    ${has('owned') ? 'constructor() public { owner = msg.sender; }' : ''}
    function deploy(bytes memory code, bytes32 salt) public payable ${has('owned') ? 'onlyOwner' : ''} returns (address addr) {
        assembly { addr := create2(callvalue(), add(code, 0x20), mload(code), salt) }
        require(addr != address(0), "failed");
        emit ContractCreated(addr${has('salted') ? ', salt' : ''});
    }
    ${has('create') ? 'function deployPlain(bytes memory code) external returns (address addr) { assembly { addr := create(0, add(code, 0x20), mload(code)) } require(addr != address(0), "failed"); emit ContractCreated(addr' + (has('salted') ? ', bytes32(0)' : '') + '); }' : ''}
    function computeAddress(bytes32 salt, bytes32 codeHash) external view returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, codeHash)))));
    }
    ${has('init') ? 'function deployAndInit(bytes memory code, bytes32 salt, bytes calldata init) external returns (address addr) { addr = deploy(code, salt); (bool ok,) = addr.call(init); require(ok, "init"); }' : ''}
}
`;
}

/// A factory of EIP-1167 clones of an implementation (CREATE or CREATE2 of the 55-byte init code).
function cloneFactory(name, opts) {
  const has = (o) => opts.includes(o);
  return `
contract ${name} {
    address public implementation;
    ${has('list') ? 'address[] public clones;' : ''}
    event Cloned(address indexed clone${has('who') ? ', address indexed by' : ''});
    constructor(address impl) public { implementation = impl; }
    function clone(${has('salt') ? 'bytes32 salt' : ''}) external returns (address instance) {
        address impl = implementation;
        assembly {
            let ptr := mload(0x40)
            mstore(ptr, 0x3d602d80600a3d3981f3363d3d373d3d3d363d73000000000000000000000000)
            mstore(add(ptr, 0x14), shl(0x60, impl))
            mstore(add(ptr, 0x28), 0x5af43d82803e903d91602b57fd5bf30000000000000000000000000000000000)
            instance := ${has('salt') ? 'create2(0, ptr, 0x37, salt)' : 'create(0, ptr, 0x37)'}
        }
        require(instance != address(0), "clone failed");
        ${has('init') ? '(bool ok,) = instance.call(abi.encodeWithSignature("initialize(address)", msg.sender)); require(ok, "init");' : ''}
        ${has('list') ? 'clones.push(instance);' : ''}
        emit Cloned(instance${has('who') ? ', msg.sender' : ''});
    }
    ${has('setimpl') ? 'function setImplementation(address impl) external { implementation = impl; }' : ''}
}
`;
}

// ---- proxies ----------------------------------------------------------------------------------
/// A delegating proxy: the implementation in an EIP-1967 slot or in a slot of its own, with or
/// without admin functions (transparent or not).
function proxy(name, opts) {
  const has = (o) => opts.includes(o);
  const slot = has('eip1967') ? '0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc' : '0x7050c9e0f4ca769c69bd3a8ef740bc37934f8e2c036e5a723fd8ee048ed3f8c3';
  return `
contract ${name} {
    bytes32 internal constant IMPL = ${slot};
    ${has('admin') ? 'bytes32 internal constant ADMIN = 0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103;' : ''}
    event Upgraded(address indexed implementation);
    ${has('admin') ? 'event AdminChanged(address previousAdmin, address newAdmin);' : ''}
    constructor(address impl) public { assembly { sstore(IMPL, impl) } ${has('admin') ? 'address a = msg.sender; assembly { sstore(ADMIN, a) }' : ''} emit Upgraded(impl); }
    function _impl() internal view returns (address i) { assembly { i := sload(IMPL) } }
    ${has('admin') ? `function _admin() internal view returns (address a) { assembly { a := sload(ADMIN) } }
    function upgradeTo(address impl) external { require(msg.sender == _admin(), "admin"); assembly { sstore(IMPL, impl) } emit Upgraded(impl); }
    function changeAdmin(address a) external { require(msg.sender == _admin(), "admin"); emit AdminChanged(_admin(), a); assembly { sstore(ADMIN, a) } }` : ''}
    ${has('views') ? 'function implementation() external view returns (address) { return _impl(); }' : ''}
    fallback() external payable {
        address impl = _impl();
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), impl, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok case 0 { revert(0, returndatasize()) } default { return(0, returndatasize()) }
        }
    }
    ${has('receive') ? 'receive() external payable {}' : ''}
}
`;
}

// ---- wallets and multisigs -------------------------------------------------------------------
/// An m-of-n multisig that collects confirmations on chain (submit, confirm, execute).
function multisig(name, opts) {
  const has = (o) => opts.includes(o);
  return `
contract ${name} {
    struct Tx { address to; uint256 value; bytes data; bool executed; uint256 confirmations; }
    address[] public owners;
    mapping(address => bool) public isOwner;
    uint256 public required;
    Tx[] public transactions;
    mapping(uint256 => mapping(address => bool)) public confirmed;
    event Submission(uint256 indexed id);
    event Confirmation(address indexed owner, uint256 indexed id);
    event Execution(uint256 indexed id);
    event ExecutionFailure(uint256 indexed id);
    ${has('revoke') ? 'event Revocation(address indexed owner, uint256 indexed id);' : ''}
    event Deposit(address indexed sender, uint256 value);
    modifier onlyOwner() { require(isOwner[msg.sender], "owner"); _; }
    ${has('manage') ? 'modifier onlyWallet() { require(msg.sender == address(this), "wallet"); _; }' : ''}
    constructor(address[] memory o, uint256 r) public { require(r > 0 && r <= o.length); for (uint256 i = 0; i < o.length; i++) { isOwner[o[i]] = true; } owners = o; required = r; }
    receive() external payable { emit Deposit(msg.sender, msg.value); }
    function submitTransaction(address to, uint256 value, bytes calldata data) external onlyOwner returns (uint256 id) {
        id = transactions.length; transactions.push(Tx(to, value, data, false, 0)); emit Submission(id); confirmTransaction(id);
    }
    function confirmTransaction(uint256 id) public onlyOwner {
        require(!confirmed[id][msg.sender], "confirmed"); confirmed[id][msg.sender] = true; transactions[id].confirmations++;
        emit Confirmation(msg.sender, id);
        if (transactions[id].confirmations >= required) executeTransaction(id);
    }
    function executeTransaction(uint256 id) public onlyOwner {
        Tx storage t = transactions[id];
        require(!t.executed && t.confirmations >= required, "not ready");
        t.executed = true;
        (bool ok,) = t.to.call{value: t.value}(t.data);
        if (ok) emit Execution(id); else { emit ExecutionFailure(id); t.executed = false; }
    }
    ${has('revoke') ? 'function revokeConfirmation(uint256 id) external onlyOwner { require(confirmed[id][msg.sender] && !transactions[id].executed); confirmed[id][msg.sender] = false; transactions[id].confirmations--; emit Revocation(msg.sender, id); }' : ''}
    ${has('views') ? 'function getOwners() external view returns (address[] memory) { return owners; } function getTransactionCount() external view returns (uint256) { return transactions.length; } function isConfirmed(uint256 id) external view returns (bool) { return transactions[id].confirmations >= required; }' : ''}
    ${has('manage') ? 'function addOwner(address o) external onlyWallet { isOwner[o] = true; owners.push(o); } function changeRequirement(uint256 r) external onlyWallet { require(r > 0 && r <= owners.length); required = r; }' : ''}
}
`;
}

/// A wallet that executes what enough owners signed off chain (nonce, ecrecover), or an owned
/// smart account that executes its owner's calls.
function sigWallet(name, opts) {
  const has = (o) => opts.includes(o);
  return `
contract ${name} {
    uint256 public nonce;
    uint256 public threshold;
    mapping(address => bool) public isOwner;
    event ExecutionSuccess(bytes32 txHash, uint256 payment);
    event ExecutionFailure(bytes32 txHash, uint256 payment);
    ${has('module') ? 'mapping(address => bool) public modules; event EnabledModule(address module);' : ''}
    event Received(address indexed sender, uint256 value);
    constructor(address[] memory owners, uint256 t) public { for (uint256 i = 0; i < owners.length; i++) isOwner[owners[i]] = true; threshold = t; }
    receive() external payable { emit Received(msg.sender, msg.value); }
    function getTransactionHash(address to, uint256 value, bytes memory data, uint256 n) public view returns (bytes32) {
        return keccak256(abi.encodePacked(bytes1(0x19), bytes1(0), address(this), to, value, keccak256(data), n));
    }
    function execTransaction(address to, uint256 value, bytes calldata data, uint8[] calldata v, bytes32[] calldata r, bytes32[] calldata s) external returns (bool ok) {
        bytes32 h = getTransactionHash(to, value, data, nonce);
        require(v.length >= threshold, "signatures");
        address last = address(0);
        for (uint256 i = 0; i < threshold; i++) { address o = ecrecover(h, v[i], r[i], s[i]); require(isOwner[o] && o > last, "signer"); last = o; }
        nonce++;
        (ok,) = to.call{value: value}(data);
        if (ok) emit ExecutionSuccess(h, 0); else emit ExecutionFailure(h, 0);
    }
    ${has('erc1271') ? 'function isValidSignature(bytes32 h, bytes calldata sig) external view returns (bytes4) { (uint8 v, bytes32 r, bytes32 s) = abi.decode(sig, (uint8, bytes32, bytes32)); return isOwner[ecrecover(h, v, r, s)] ? bytes4(0x1626ba7e) : bytes4(0xffffffff); }' : ''}
    ${has('module') ? 'function enableModule(address m) external { require(msg.sender == address(this)); modules[m] = true; emit EnabledModule(m); } function execTransactionFromModule(address to, uint256 value, bytes calldata data) external returns (bool ok) { require(modules[msg.sender]); (ok,) = to.call{value: value}(data); }' : ''}
    ${has('getters') ? 'function getThreshold() external view returns (uint256) { return threshold; }' : ''}
}
`;
}

/// A single-owner wallet: forwards its owner's calls, batches, keeps ether, optionally a daily limit.
function ownedWallet(name, opts) {
  const has = (o) => opts.includes(o);
  return `
contract ${name} {
    ${OWNED}
    ${has('limit') ? 'uint256 public dailyLimit = 1 ether; uint256 public spentToday; uint256 public lastDay;' : ''}
    ${has('guardian') ? 'address public guardian; uint256 public recoveryAt; address public pendingOwner;' : ''}
    event Executed(address indexed to, uint256 value, bytes data);
    event Received(address indexed from, uint256 value);
    constructor() public { owner = msg.sender; }
    receive() external payable { emit Received(msg.sender, msg.value); }
    function execute(address to, uint256 value, bytes calldata data) external onlyOwner returns (bytes memory) {
        ${has('limit') ? 'if (block.timestamp / 1 days > lastDay) { lastDay = block.timestamp / 1 days; spentToday = 0; } spentToday += value; require(spentToday <= dailyLimit, "limit");' : ''}
        (bool ok, bytes memory out) = to.call{value: value}(data);
        require(ok, "call failed");
        emit Executed(to, value, data);
        return out;
    }
    ${has('batch') ? 'function executeBatch(address[] calldata to, uint256[] calldata value, bytes[] calldata data) external onlyOwner { for (uint256 i = 0; i < to.length; i++) { (bool ok,) = to[i].call{value: value[i]}(data[i]); require(ok, "call failed"); emit Executed(to[i], value[i], data[i]); } }' : ''}
    ${has('guardian') ? 'function setGuardian(address g) external onlyOwner { guardian = g; } function startRecovery(address o) external { require(msg.sender == guardian); pendingOwner = o; recoveryAt = block.timestamp + 2 days; } function finishRecovery() external { require(recoveryAt != 0 && block.timestamp >= recoveryAt); owner = pendingOwner; recoveryAt = 0; }' : ''}
    ${has('tokens') ? 'function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) { return 0x150b7a02; } function onERC1155Received(address, address, uint256, uint256, bytes calldata) external pure returns (bytes4) { return 0xf23a6e61; }' : ''}
}
`;
}

// ---- other --------------------------------------------------------------------------------------
/// Contracts that are none of the above: staking rewards, an escrow, an auction, a vesting
/// schedule, a registry, a voting contract, a timelock.
function staking(name, opts) {
  const has = (o) => opts.includes(o);
  return `${IERC20}
contract ${name} {
    address public stakingToken; address public rewardsToken;
    uint256 public rewardRate; uint256 public lastUpdate; uint256 public rewardPerTokenStored; uint256 public totalStaked;
    mapping(address => uint256) public staked; mapping(address => uint256) public rewards; mapping(address => uint256) public paid;
    event Staked(address indexed user, uint256 amount);
    event Withdrawn(address indexed user, uint256 amount);
    event RewardPaid(address indexed user, uint256 reward);
    ${has('owned') ? OWNED : ''}
    constructor(address s, address r) public { stakingToken = s; rewardsToken = r; ${has('owned') ? 'owner = msg.sender;' : ''} }
    function rewardPerToken() public view returns (uint256) { return totalStaked == 0 ? rewardPerTokenStored : rewardPerTokenStored + (block.timestamp - lastUpdate) * rewardRate * 1e18 / totalStaked; }
    function earned(address a) public view returns (uint256) { return staked[a] * (rewardPerToken() - paid[a]) / 1e18 + rewards[a]; }
    modifier update(address a) { rewardPerTokenStored = rewardPerToken(); lastUpdate = block.timestamp; rewards[a] = earned(a); paid[a] = rewardPerTokenStored; _; }
    function stake(uint256 amount) external update(msg.sender) { totalStaked += amount; staked[msg.sender] += amount; IERC20Like(stakingToken).transferFrom(msg.sender, address(this), amount); emit Staked(msg.sender, amount); }
    function withdraw(uint256 amount) public update(msg.sender) { totalStaked -= amount; staked[msg.sender] -= amount; IERC20Like(stakingToken).transfer(msg.sender, amount); emit Withdrawn(msg.sender, amount); }
    function getReward() public update(msg.sender) { uint256 r = rewards[msg.sender]; rewards[msg.sender] = 0; IERC20Like(rewardsToken).transfer(msg.sender, r); emit RewardPaid(msg.sender, r); }
    ${has('exit') ? 'function exit() external { withdraw(staked[msg.sender]); getReward(); }' : ''}
    ${has('owned') ? 'function setRewardRate(uint256 r) external onlyOwner update(address(0)) { rewardRate = r; }' : ''}
}
`;
}

function escrowAuction(name, opts) {
  const has = (o) => opts.includes(o);
  return `
contract ${name} {
    address public seller; uint256 public endTime; address public highestBidder; uint256 public highestBid; bool public ended;
    mapping(address => uint256) public pendingReturns;
    event HighestBidIncreased(address bidder, uint256 amount);
    event AuctionEnded(address winner, uint256 amount);
    ${has('escrow') ? 'address public arbiter; bool public disputed; event Disputed(address by); event Released(address to, uint256 amount);' : ''}
    constructor(uint256 duration) public { seller = msg.sender; endTime = block.timestamp + duration; }
    function bid() external payable {
        require(block.timestamp < endTime && msg.value > highestBid, "bid");
        if (highestBid != 0) pendingReturns[highestBidder] += highestBid;
        highestBidder = msg.sender; highestBid = msg.value; emit HighestBidIncreased(msg.sender, msg.value);
    }
    function withdrawBid() external returns (bool) { uint256 a = pendingReturns[msg.sender]; if (a > 0) { pendingReturns[msg.sender] = 0; payable(msg.sender).transfer(a); } return true; }
    function endAuction() external { require(block.timestamp >= endTime && !ended); ended = true; emit AuctionEnded(highestBidder, highestBid); ${has('escrow') ? '' : 'payable(seller).transfer(highestBid);'} }
    ${has('escrow') ? 'function dispute() external { require(msg.sender == highestBidder); disputed = true; emit Disputed(msg.sender); } function release(bool toSeller) external { require(msg.sender == arbiter || (!disputed && msg.sender == highestBidder)); address to = toSeller ? seller : highestBidder; emit Released(to, highestBid); payable(to).transfer(highestBid); }' : ''}
    ${has('extend') ? 'function extend(uint256 s) external { require(msg.sender == seller); endTime += s; }' : ''}
}
`;
}

function vestingTimelock(name, opts) {
  const has = (o) => opts.includes(o);
  return `${IERC20}
contract ${name} {
    address public beneficiary; uint256 public start; uint256 public duration; mapping(address => uint256) public released;
    ${has('timelock') ? 'uint256 public delay = 2 days; mapping(bytes32 => uint256) public queued; event Queued(bytes32 indexed id, address target, uint256 eta); event ExecutedCall(bytes32 indexed id);' : ''}
    event TokensReleased(address indexed token, uint256 amount);
    constructor(address b, uint256 d) public { beneficiary = b; start = block.timestamp; duration = d; }
    function vested(address token) public view returns (uint256) {
        uint256 total = IERC20Like(token).balanceOf(address(this)) + released[token];
        if (block.timestamp >= start + duration) return total;
        return total * (block.timestamp - start) / duration;
    }
    function release(address token) external { uint256 a = vested(token) - released[token]; released[token] += a; IERC20Like(token).transfer(beneficiary, a); emit TokensReleased(token, a); }
    ${has('timelock') ? 'function queue(address target, bytes calldata data) external returns (bytes32 id) { require(msg.sender == beneficiary); id = keccak256(abi.encode(target, data)); queued[id] = block.timestamp + delay; emit Queued(id, target, queued[id]); } function executeQueued(address target, bytes calldata data) external { bytes32 id = keccak256(abi.encode(target, data)); require(queued[id] != 0 && block.timestamp >= queued[id]); delete queued[id]; (bool ok,) = target.call(data); require(ok); emit ExecutedCall(id); }' : ''}
    ${has('revocable') ? 'bool public revoked; function revoke() external { require(msg.sender == beneficiary); revoked = true; }' : ''}
}
`;
}

function registryVoting(name, opts) {
  const has = (o) => opts.includes(o);
  return `
contract ${name} {
    struct Proposal { bytes32 name; uint256 votes; uint256 deadline; }
    Proposal[] public proposals;
    mapping(address => uint256) public weight; mapping(address => bool) public voted;
    ${has('registry') ? 'mapping(bytes32 => address) public records; mapping(bytes32 => address) public recordOwner; event Registered(bytes32 indexed node, address addr);' : ''}
    address public chair;
    event Voted(address indexed voter, uint256 proposal);
    constructor() public { chair = msg.sender; weight[msg.sender] = 1; }
    function addProposal(bytes32 n) external { require(msg.sender == chair); proposals.push(Proposal(n, 0, block.timestamp + 7 days)); }
    function giveRight(address v) external { require(msg.sender == chair && !voted[v]); weight[v] = 1; }
    function vote(uint256 p) external { require(!voted[msg.sender] && weight[msg.sender] > 0 && block.timestamp < proposals[p].deadline); voted[msg.sender] = true; proposals[p].votes += weight[msg.sender]; emit Voted(msg.sender, p); }
    function winning() external view returns (uint256 w) { uint256 best = 0; for (uint256 p = 0; p < proposals.length; p++) if (proposals[p].votes > best) { best = proposals[p].votes; w = p; } }
    ${has('registry') ? 'function register(bytes32 node, address a) external { require(recordOwner[node] == address(0) || recordOwner[node] == msg.sender); recordOwner[node] = msg.sender; records[node] = a; emit Registered(node, a); }' : ''}
    ${has('delegate') ? 'mapping(address => address) public delegateOf; function delegate(address to) external { require(!voted[msg.sender] && to != msg.sender); delegateOf[msg.sender] = to; weight[to] += weight[msg.sender]; weight[msg.sender] = 0; }' : ''}
}
`;
}

/// The families: [family, class label, template, option parts, how many combinations, extra].
export const FAMILIES = [
  ['own-erc20', 'erc20', erc20, ['meta', 'mint', 'burn', 'pause', 'blacklist', 'fee', 'cap', 'permit', 'allowance'], 10],
  ['own-wrapped', 'erc20', wrapped, ['receive', 'infinite', 'flash'], 4],
  ['own-erc721', 'erc721', erc721, ['meta', 'enumerable', 'sale', 'royalty', 'burn'], 8],
  ['own-erc1155', 'erc1155', erc1155, ['supply', 'uris', 'batchmint', 'burn'], 8],
  ['own-pair', 'dex', pair, ['lpmeta', 'lptransfer', 'twap', 'klast', 'callee', 'fee25', 'skim'], 8],
  ['own-pool', 'dex', pool, ['curve', 'ramp', 'virtualprice', 'oneside'], 8],
  ['own-router', 'dex', router, ['eth', 'exactout', 'immutable', 'computed', 'ethout', 'feeontransfer', 'addeth', 'permit'], 5],
  ['own-deployer', 'factory', deployer, ['salted', 'owned', 'create', 'init'], 8],
  ['own-clone-factory', 'factory', cloneFactory, ['list', 'who', 'salt', 'init', 'setimpl'], 8],
  ['own-proxy', 'proxy', proxy, ['eip1967', 'admin', 'views', 'receive'], 8],
  ['own-multisig', 'wallet', multisig, ['revoke', 'views', 'manage'], 6],
  ['own-sig-wallet', 'wallet', sigWallet, ['module', 'erc1271', 'getters'], 6],
  ['own-owned-wallet', 'wallet', ownedWallet, ['limit', 'guardian', 'batch', 'tokens'], 8],
  ['own-staking', 'other', staking, ['owned', 'exit'], 4],
  ['own-auction', 'other', escrowAuction, ['escrow', 'extend'], 4],
  ['own-vesting', 'other', vestingTimelock, ['timelock', 'revocable'], 4],
  ['own-voting', 'other', registryVoting, ['registry', 'delegate'], 4],
];

/// Factories of products: each product family (at its first option set) inside a pair factory
/// or a product factory; a family per product kind.
export const FACTORY_FAMILIES = [
  ['own-pair-factory', pairFactory, ['create2', 'setter', 'codehash'], pair, ['lpmeta', 'lptransfer', 'skim']],
  ['own-pair-factory-b', pairFactory, ['create2', 'setter'], pair, ['twap', 'klast', 'callee']],
  ['own-token-factory', productFactory, ['registry', 'fee', 'create2', 'indexedsalt', 'predict'], erc20, ['meta', 'mint', 'burn']],
  ['own-nft-factory', productFactory, ['registry', 'fee', 'create2', 'predict'], erc721, ['meta', 'burn']],
  ['own-wallet-factory', productFactory, ['registry', 'create2', 'indexedsalt', 'predict'], ownedWallet, ['batch', 'tokens']],
  ['own-1155-factory', productFactory, ['fee', 'create2', 'predict'], erc1155, ['supply']],
];

/// Every source of the families above: { family, label, name, source } (no pragma header).
export function ownSources() {
  const out = [];
  let seed = 1;
  for (const [family, label, template, parts, count] of FAMILIES) {
    combos(parts, Math.min(count, 5), seed++).forEach((opts, i) => {
      const name = `${family.replace(/[^a-z0-9]/gi, '_')}_${i}`;
      // The split's group: the family and whether it has its first part (a subfamily).
      const group = `${family}:${opts.includes(parts[0]) ? '' : 'no-'}${parts[0]}`;
      out.push({ family, label, group, name, source: HEAD + template(name, opts) });
    });
  }
  for (const [family, template, parts, productTemplate, productOpts] of FACTORY_FAMILIES) {
    combos(parts, 3, seed++).forEach((opts, i) => {
      const base = `${family.replace(/[^a-z0-9]/gi, '_')}_${i}`;
      const productName = `${base}_product`;
      const o = [...opts];
      o.productName = productName;
      out.push({ family, label: 'factory', name: base, source: HEAD + template(base, o, productTemplate(productName, productOpts)) });
    });
  }
  return out;
}
