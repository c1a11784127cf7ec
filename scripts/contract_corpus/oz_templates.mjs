// OpenZeppelin Contracts 5.4 (npm, tests/e2e) in configurations people deploy: the training
// families. live.mjs holds other configurations, and ERC1967Proxy as it ships, never trained on.
const HEAD = '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n';
const OZ = '@openzeppelin/contracts';

function erc20(name, exts) {
  const has = (e) => exts.includes(e);
  const imports = [`import "${OZ}/token/ERC20/ERC20.sol";`];
  const bases = ['ERC20'];
  const ctor = ['ERC20("Token", "TKN")'];
  if (has('burnable')) { imports.push(`import "${OZ}/token/ERC20/extensions/ERC20Burnable.sol";`); bases.push('ERC20Burnable'); }
  if (has('pausable')) { imports.push(`import "${OZ}/token/ERC20/extensions/ERC20Pausable.sol";`, `import "${OZ}/access/Ownable.sol";`); bases.push('ERC20Pausable', 'Ownable'); ctor.push('Ownable(msg.sender)'); }
  if (has('capped')) { imports.push(`import "${OZ}/token/ERC20/extensions/ERC20Capped.sol";`); bases.push('ERC20Capped'); ctor.push('ERC20Capped(1e27)'); }
  if (has('permit')) { imports.push(`import "${OZ}/token/ERC20/extensions/ERC20Permit.sol";`); bases.push('ERC20Permit'); ctor.push('ERC20Permit("Token")'); }
  if (has('flash')) { imports.push(`import "${OZ}/token/ERC20/extensions/ERC20FlashMint.sol";`); bases.push('ERC20FlashMint'); }
  const overrides = [];
  const updaters = bases.filter((b) => ['ERC20Pausable', 'ERC20Capped'].includes(b));
  if (updaters.length) overrides.push(`function _update(address f, address t, uint256 v) internal override(ERC20, ${updaters.join(', ')}) { super._update(f, t, v); }`);
  if (has('pausable')) overrides.push('function pause() external onlyOwner { _pause(); } function unpause() external onlyOwner { _unpause(); }');
  if (has('mint')) overrides.push(has('pausable') ? 'function mint(address to, uint256 v) external onlyOwner { _mint(to, v); }' : 'function mint(address to, uint256 v) external { _mint(to, v); }');
  return `${HEAD}${imports.join('\n')}
contract ${name} is ${bases.join(', ')} {
    constructor() ${ctor.join(' ')} { _mint(msg.sender, 1e24); }
    ${overrides.join('\n    ')}
}
`;
}

function erc721(name, exts) {
  const has = (e) => exts.includes(e);
  const imports = [`import "${OZ}/token/ERC721/ERC721.sol";`, `import "${OZ}/access/Ownable.sol";`];
  const bases = ['ERC721'];
  const ext = [];
  if (has('enumerable')) { imports.push(`import "${OZ}/token/ERC721/extensions/ERC721Enumerable.sol";`); ext.push('ERC721Enumerable'); }
  if (has('uristorage')) { imports.push(`import "${OZ}/token/ERC721/extensions/ERC721URIStorage.sol";`); ext.push('ERC721URIStorage'); }
  if (has('burnable')) { imports.push(`import "${OZ}/token/ERC721/extensions/ERC721Burnable.sol";`); ext.push('ERC721Burnable'); }
  if (has('pausable')) { imports.push(`import "${OZ}/token/ERC721/extensions/ERC721Pausable.sol";`); ext.push('ERC721Pausable'); }
  if (has('royalty')) { imports.push(`import "${OZ}/token/ERC721/extensions/ERC721Royalty.sol";`); ext.push('ERC721Royalty'); }
  bases.push(...ext, 'Ownable');
  const overrides = [];
  const upd = ext.filter((e) => ['ERC721Enumerable', 'ERC721Pausable'].includes(e));
  if (upd.length) {
    overrides.push(`function _update(address to, uint256 id, address auth) internal override(ERC721, ${upd.join(', ')}) returns (address) { return super._update(to, id, auth); }`);
  }
  if (has('enumerable')) overrides.push('function _increaseBalance(address a, uint128 v) internal override(ERC721, ERC721Enumerable) { super._increaseBalance(a, v); }');
  const iface = ext.filter((e) => ['ERC721Enumerable', 'ERC721URIStorage', 'ERC721Royalty'].includes(e));
  if (iface.length) overrides.push(`function supportsInterface(bytes4 i) public view override(ERC721, ${iface.join(', ')}) returns (bool) { return super.supportsInterface(i); }`);
  if (has('uristorage')) overrides.push('function tokenURI(uint256 id) public view override(ERC721, ERC721URIStorage) returns (string memory) { return super.tokenURI(id); }');
  if (has('pausable')) overrides.push('function pause() external onlyOwner { _pause(); }');
  overrides.push(has('uristorage') ? 'function safeMint(address to, uint256 id, string memory uri) external onlyOwner { _safeMint(to, id); _setTokenURI(id, uri); }'
    : 'function safeMint(address to, uint256 id) external onlyOwner { _safeMint(to, id); }');
  return `${HEAD}${imports.join('\n')}
contract ${name} is ${bases.join(', ')} {
    constructor() ERC721("Collectible", "CLT") Ownable(msg.sender) {}
    ${overrides.join('\n    ')}
}
`;
}

function erc1155(name, exts) {
  const has = (e) => exts.includes(e);
  const imports = [`import "${OZ}/token/ERC1155/ERC1155.sol";`, `import "${OZ}/access/Ownable.sol";`];
  const ext = [];
  if (has('burnable')) { imports.push(`import "${OZ}/token/ERC1155/extensions/ERC1155Burnable.sol";`); ext.push('ERC1155Burnable'); }
  if (has('pausable')) { imports.push(`import "${OZ}/token/ERC1155/extensions/ERC1155Pausable.sol";`); ext.push('ERC1155Pausable'); }
  if (has('supply')) { imports.push(`import "${OZ}/token/ERC1155/extensions/ERC1155Supply.sol";`); ext.push('ERC1155Supply'); }
  if (has('uristorage')) { imports.push(`import "${OZ}/token/ERC1155/extensions/ERC1155URIStorage.sol";`); ext.push('ERC1155URIStorage'); }
  const overrides = [];
  const upd = ext.filter((e) => ['ERC1155Pausable', 'ERC1155Supply'].includes(e));
  if (upd.length) overrides.push(`function _update(address f, address t, uint256[] memory ids, uint256[] memory v) internal override(ERC1155, ${upd.join(', ')}) { super._update(f, t, ids, v); }`);
  if (has('uristorage')) overrides.push('function uri(uint256 id) public view override(ERC1155, ERC1155URIStorage) returns (string memory) { return super.uri(id); }');
  if (has('pausable')) overrides.push('function pause() external onlyOwner { _pause(); }');
  overrides.push('function mint(address to, uint256 id, uint256 v, bytes memory data) external onlyOwner { _mint(to, id, v, data); }');
  if (has('batch')) overrides.push('function mintBatch(address to, uint256[] memory ids, uint256[] memory v, bytes memory data) external onlyOwner { _mintBatch(to, ids, v, data); }');
  return `${HEAD}${imports.join('\n')}
contract ${name} is ERC1155, ${[...ext, 'Ownable'].join(', ')} {
    constructor() ERC1155("https://example.com/{id}.json") Ownable(msg.sender) {}
    ${overrides.join('\n    ')}
}
`;
}

/// [family, label, source builder, configurations]
export const OZ_FAMILIES = [
  ['oz-erc20', 'erc20', erc20, [[], ['burnable'], ['pausable', 'mint'], ['capped', 'mint'], ['permit'], ['flash'], ['burnable', 'capped', 'mint']]],
  ['oz-erc721', 'erc721', erc721, [[], ['enumerable'], ['uristorage'], ['burnable'], ['pausable'], ['royalty'], ['enumerable', 'burnable']]],
  ['oz-erc1155', 'erc1155', erc1155, [[], ['burnable'], ['pausable'], ['batch'], ['burnable', 'batch'], ['supply']]],
];

/// Single OpenZeppelin contracts as they ship: [family, label, name, source].
export const OZ_SINGLES = [
  ['oz-beacon-proxy', 'proxy', 'OzBeaconProxy', `${HEAD}import "${OZ}/proxy/beacon/BeaconProxy.sol";\ncontract OzBeaconProxy is BeaconProxy { constructor(address b) BeaconProxy(b, "") {} }\n`],
  ['oz-erc4626', 'erc20', 'OzVault', `${HEAD}import "${OZ}/token/ERC20/extensions/ERC4626.sol";\ncontract OzVault is ERC4626 { constructor(IERC20 a) ERC20("Vault", "V") ERC4626(a) {} }\n`],
  ['oz-erc20-wrapper', 'erc20', 'OzWrapper', `${HEAD}import "${OZ}/token/ERC20/extensions/ERC20Wrapper.sol";\ncontract OzWrapper is ERC20Wrapper { constructor(IERC20 a) ERC20("Wrapped", "W") ERC20Wrapper(a) {} }\n`],
  ['oz-timelock', 'other', 'OzTimelock', `${HEAD}import "${OZ}/governance/TimelockController.sol";\ncontract OzTimelock is TimelockController { constructor(address[] memory p) TimelockController(1 days, p, p, msg.sender) {} }\n`],
  ['oz-vesting', 'other', 'OzVesting', `${HEAD}import "${OZ}/finance/VestingWallet.sol";\ncontract OzVesting is VestingWallet { constructor(address b) VestingWallet(b, uint64(block.timestamp), 365 days) {} }\n`],
  ['oz-clones-factory', 'factory', 'OzClonesFactory', `${HEAD}import "${OZ}/proxy/Clones.sol";
contract OzClonesFactory {
    address public immutable implementation;
    event CloneCreated(address indexed clone, bytes32 salt);
    constructor(address i) { implementation = i; }
    function create(bytes32 salt) external returns (address c) { c = Clones.cloneDeterministic(implementation, salt); emit CloneCreated(c, salt); }
    function predict(bytes32 salt) external view returns (address) { return Clones.predictDeterministicAddress(implementation, salt); }
}
`],
  ['oz-beacon', 'other', 'OzBeacon', `${HEAD}import "${OZ}/proxy/beacon/UpgradeableBeacon.sol";\ncontract OzBeacon is UpgradeableBeacon { constructor(address i) UpgradeableBeacon(i, msg.sender) {} }\n`],
];

export function ozSources() {
  const out = [];
  for (const [family, label, build, configs] of OZ_FAMILIES) {
    configs.forEach((exts, i) => {
      const name = `${family.replace(/[^a-z0-9]/gi, '_')}_${i}`;
      out.push({ family, label, name, source: build(name, exts) });
    });
  }
  for (const [family, label, name, source] of OZ_SINGLES) out.push({ family, label, name, source });
  return out;
}

export { erc20 as ozErc20, erc721 as ozErc721, erc1155 as ozErc1155 };
