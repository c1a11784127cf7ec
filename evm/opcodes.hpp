#pragma once

#include <cstdint>

/// The opcodes of the EVM as of Cancun, by name (evmone's OP_ names): the interpreter's
/// dispatch and gas table, jump analysis and traces all say OP_ADD, never 0x01.
namespace moe::evm {

/// X(name, value, the name traces show: geth's, DIFFICULTY for PREVRANDAO).
#define MOE_EVM_OPCODES(X) \
    X(STOP, 0x00, "STOP") \
    X(ADD, 0x01, "ADD") \
    X(MUL, 0x02, "MUL") \
    X(SUB, 0x03, "SUB") \
    X(DIV, 0x04, "DIV") \
    X(SDIV, 0x05, "SDIV") \
    X(MOD, 0x06, "MOD") \
    X(SMOD, 0x07, "SMOD") \
    X(ADDMOD, 0x08, "ADDMOD") \
    X(MULMOD, 0x09, "MULMOD") \
    X(EXP, 0x0a, "EXP") \
    X(SIGNEXTEND, 0x0b, "SIGNEXTEND") \
    X(LT, 0x10, "LT") \
    X(GT, 0x11, "GT") \
    X(SLT, 0x12, "SLT") \
    X(SGT, 0x13, "SGT") \
    X(EQ, 0x14, "EQ") \
    X(ISZERO, 0x15, "ISZERO") \
    X(AND, 0x16, "AND") \
    X(OR, 0x17, "OR") \
    X(XOR, 0x18, "XOR") \
    X(NOT, 0x19, "NOT") \
    X(BYTE, 0x1a, "BYTE") \
    X(SHL, 0x1b, "SHL") \
    X(SHR, 0x1c, "SHR") \
    X(SAR, 0x1d, "SAR") \
    X(KECCAK256, 0x20, "KECCAK256") \
    X(ADDRESS, 0x30, "ADDRESS") \
    X(BALANCE, 0x31, "BALANCE") \
    X(ORIGIN, 0x32, "ORIGIN") \
    X(CALLER, 0x33, "CALLER") \
    X(CALLVALUE, 0x34, "CALLVALUE") \
    X(CALLDATALOAD, 0x35, "CALLDATALOAD") \
    X(CALLDATASIZE, 0x36, "CALLDATASIZE") \
    X(CALLDATACOPY, 0x37, "CALLDATACOPY") \
    X(CODESIZE, 0x38, "CODESIZE") \
    X(CODECOPY, 0x39, "CODECOPY") \
    X(GASPRICE, 0x3a, "GASPRICE") \
    X(EXTCODESIZE, 0x3b, "EXTCODESIZE") \
    X(EXTCODECOPY, 0x3c, "EXTCODECOPY") \
    X(RETURNDATASIZE, 0x3d, "RETURNDATASIZE") \
    X(RETURNDATACOPY, 0x3e, "RETURNDATACOPY") \
    X(EXTCODEHASH, 0x3f, "EXTCODEHASH") \
    X(BLOCKHASH, 0x40, "BLOCKHASH") \
    X(COINBASE, 0x41, "COINBASE") \
    X(TIMESTAMP, 0x42, "TIMESTAMP") \
    X(NUMBER, 0x43, "NUMBER") \
    X(PREVRANDAO, 0x44, "DIFFICULTY") \
    X(GASLIMIT, 0x45, "GASLIMIT") \
    X(CHAINID, 0x46, "CHAINID") \
    X(SELFBALANCE, 0x47, "SELFBALANCE") \
    X(BASEFEE, 0x48, "BASEFEE") \
    X(BLOBHASH, 0x49, "BLOBHASH") \
    X(BLOBBASEFEE, 0x4a, "BLOBBASEFEE") \
    X(POP, 0x50, "POP") \
    X(MLOAD, 0x51, "MLOAD") \
    X(MSTORE, 0x52, "MSTORE") \
    X(MSTORE8, 0x53, "MSTORE8") \
    X(SLOAD, 0x54, "SLOAD") \
    X(SSTORE, 0x55, "SSTORE") \
    X(JUMP, 0x56, "JUMP") \
    X(JUMPI, 0x57, "JUMPI") \
    X(PC, 0x58, "PC") \
    X(MSIZE, 0x59, "MSIZE") \
    X(GAS, 0x5a, "GAS") \
    X(JUMPDEST, 0x5b, "JUMPDEST") \
    X(TLOAD, 0x5c, "TLOAD") \
    X(TSTORE, 0x5d, "TSTORE") \
    X(MCOPY, 0x5e, "MCOPY") \
    X(PUSH0, 0x5f, "PUSH0") \
    X(PUSH1, 0x60, "PUSH1") \
    X(PUSH2, 0x61, "PUSH2") \
    X(PUSH3, 0x62, "PUSH3") \
    X(PUSH4, 0x63, "PUSH4") \
    X(PUSH5, 0x64, "PUSH5") \
    X(PUSH6, 0x65, "PUSH6") \
    X(PUSH7, 0x66, "PUSH7") \
    X(PUSH8, 0x67, "PUSH8") \
    X(PUSH9, 0x68, "PUSH9") \
    X(PUSH10, 0x69, "PUSH10") \
    X(PUSH11, 0x6a, "PUSH11") \
    X(PUSH12, 0x6b, "PUSH12") \
    X(PUSH13, 0x6c, "PUSH13") \
    X(PUSH14, 0x6d, "PUSH14") \
    X(PUSH15, 0x6e, "PUSH15") \
    X(PUSH16, 0x6f, "PUSH16") \
    X(PUSH17, 0x70, "PUSH17") \
    X(PUSH18, 0x71, "PUSH18") \
    X(PUSH19, 0x72, "PUSH19") \
    X(PUSH20, 0x73, "PUSH20") \
    X(PUSH21, 0x74, "PUSH21") \
    X(PUSH22, 0x75, "PUSH22") \
    X(PUSH23, 0x76, "PUSH23") \
    X(PUSH24, 0x77, "PUSH24") \
    X(PUSH25, 0x78, "PUSH25") \
    X(PUSH26, 0x79, "PUSH26") \
    X(PUSH27, 0x7a, "PUSH27") \
    X(PUSH28, 0x7b, "PUSH28") \
    X(PUSH29, 0x7c, "PUSH29") \
    X(PUSH30, 0x7d, "PUSH30") \
    X(PUSH31, 0x7e, "PUSH31") \
    X(PUSH32, 0x7f, "PUSH32") \
    X(DUP1, 0x80, "DUP1") \
    X(DUP2, 0x81, "DUP2") \
    X(DUP3, 0x82, "DUP3") \
    X(DUP4, 0x83, "DUP4") \
    X(DUP5, 0x84, "DUP5") \
    X(DUP6, 0x85, "DUP6") \
    X(DUP7, 0x86, "DUP7") \
    X(DUP8, 0x87, "DUP8") \
    X(DUP9, 0x88, "DUP9") \
    X(DUP10, 0x89, "DUP10") \
    X(DUP11, 0x8a, "DUP11") \
    X(DUP12, 0x8b, "DUP12") \
    X(DUP13, 0x8c, "DUP13") \
    X(DUP14, 0x8d, "DUP14") \
    X(DUP15, 0x8e, "DUP15") \
    X(DUP16, 0x8f, "DUP16") \
    X(SWAP1, 0x90, "SWAP1") \
    X(SWAP2, 0x91, "SWAP2") \
    X(SWAP3, 0x92, "SWAP3") \
    X(SWAP4, 0x93, "SWAP4") \
    X(SWAP5, 0x94, "SWAP5") \
    X(SWAP6, 0x95, "SWAP6") \
    X(SWAP7, 0x96, "SWAP7") \
    X(SWAP8, 0x97, "SWAP8") \
    X(SWAP9, 0x98, "SWAP9") \
    X(SWAP10, 0x99, "SWAP10") \
    X(SWAP11, 0x9a, "SWAP11") \
    X(SWAP12, 0x9b, "SWAP12") \
    X(SWAP13, 0x9c, "SWAP13") \
    X(SWAP14, 0x9d, "SWAP14") \
    X(SWAP15, 0x9e, "SWAP15") \
    X(SWAP16, 0x9f, "SWAP16") \
    X(LOG0, 0xa0, "LOG0") \
    X(LOG1, 0xa1, "LOG1") \
    X(LOG2, 0xa2, "LOG2") \
    X(LOG3, 0xa3, "LOG3") \
    X(LOG4, 0xa4, "LOG4") \
    X(CREATE, 0xf0, "CREATE") \
    X(CALL, 0xf1, "CALL") \
    X(CALLCODE, 0xf2, "CALLCODE") \
    X(RETURN, 0xf3, "RETURN") \
    X(DELEGATECALL, 0xf4, "DELEGATECALL") \
    X(CREATE2, 0xf5, "CREATE2") \
    X(STATICCALL, 0xfa, "STATICCALL") \
    X(REVERT, 0xfd, "REVERT") \
    X(INVALID, 0xfe, "INVALID") \
    X(SELFDESTRUCT, 0xff, "SELFDESTRUCT")

enum Opcode : std::uint8_t {
#define MOE_EVM_OPCODE_ENUM(name, value, trace) OP_##name = value,
    MOE_EVM_OPCODES(MOE_EVM_OPCODE_ENUM)
#undef MOE_EVM_OPCODE_ENUM
};

}  // namespace moe::evm
