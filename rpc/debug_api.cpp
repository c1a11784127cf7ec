#include "rpc/debug_api.hpp"

#include <variant>

#include "evm/tracing.hpp"
#include "rpc/eth_api.hpp"
#include "rpc/params.hpp"

namespace moe::rpc {

using nlohmann::json;

namespace {

/// The most bytes one trace may take as JSON: a 30M-gas transaction can take millions of
/// steps or hundreds of thousands of calls, and one request must not exhaust the node's memory.
constexpr std::size_t kMaxTraceBytes = 32u << 20;

/// A tracer chosen by a request's trace options, geth's TraceConfig.
using ChosenTracer = std::variant<evm::StructLogger, evm::CallTracer>;

bool bool_option(const json& options, const char* key) {
    if (!options.contains(key) || options[key].is_null()) return false;
    if (!options[key].is_boolean()) invalid_params(std::string(key) + " must be a boolean");
    return options[key].get<bool>();
}

/// The tracer of parameter i; a struct logger may keep `max_bytes` of steps.
ChosenTracer tracer_param(const json& params, std::size_t i, std::size_t max_bytes = kMaxTraceBytes) {
    const json options = has_param(params, i) ? params[i] : json::object();
    if (!options.is_object()) invalid_params("trace options must be an object");
    std::string name;
    if (options.contains("tracer") && !options["tracer"].is_null()) {
        if (!options["tracer"].is_string()) invalid_params("tracer must be a string");
        name = options["tracer"].get<std::string>();
    }
    if (name == "callTracer") {
        const json config = options.contains("tracerConfig") && !options["tracerConfig"].is_null() ? options["tracerConfig"]
                                                                                                   : json::object();
        if (!config.is_object()) invalid_params("tracerConfig must be an object");
        return evm::CallTracer(bool_option(config, "onlyTopCall"), max_bytes);
    }
    if (!name.empty()) {
        throw RpcError(kServerError, "tracer not found: " + name + " (this node serves the struct logger and callTracer)");
    }
    evm::StructLoggerConfig config;
    config.disable_stack = bool_option(options, "disableStack");
    config.disable_storage = bool_option(options, "disableStorage");
    config.enable_memory = bool_option(options, "enableMemory");
    config.enable_return_data = bool_option(options, "enableReturnData");
    if (options.contains("limit") && !options["limit"].is_null()) {
        if (!options["limit"].is_number_integer() || options["limit"].get<std::int64_t>() < 0) {
            invalid_params("limit must be a non-negative integer");
        }
        config.limit = options["limit"].get<std::size_t>();
    }
    config.max_bytes = max_bytes;
    return evm::StructLogger(config);
}

std::string word_hex(const core::uint256& w) { return core::uint256_to_bytes32(w).hex().substr(2); }

json struct_logs_json(const evm::StructLogger& logger, evm::Status status, std::uint64_t gas_used, core::ByteView output) {
    if (logger.too_large()) {
        throw RpcError(kServerError, "trace too large: its struct logs pass " + std::to_string(kMaxTraceBytes >> 20) +
                                         " MiB; narrow it with limit, disableStack or disableStorage, or use the callTracer");
    }
    json logs = json::array();
    for (const evm::StructLog& l : logger.logs()) {
        json j = {{"pc", l.pc}, {"op", evm::opcode_name(l.op)}, {"gas", l.gas}, {"gasCost", l.gas_cost}, {"depth", l.depth}};
        if (l.error) j["error"] = std::string(evm::to_string(*l.error));
        if (l.stack) {
            json stack = json::array();
            for (const core::uint256& w : *l.stack) stack.push_back(core::to_hex_quantity(w));
            j["stack"] = std::move(stack);
        }
        if (!l.return_data.empty()) j["returnData"] = core::to_hex(l.return_data);
        if (l.memory) {
            json memory = json::array();
            for (std::size_t at = 0; at + 32 <= l.memory->size(); at += 32) {
                memory.push_back(core::to_hex({l.memory->data() + at, 32}, false));
            }
            j["memory"] = std::move(memory);
        }
        if (l.storage) {
            json storage = json::object();
            for (const auto& [key, value] : *l.storage) storage[word_hex(key)] = word_hex(value);
            j["storage"] = std::move(storage);
        }
        if (l.refund != 0) j["refund"] = l.refund;
        logs.push_back(std::move(j));
    }
    const bool failed = status != evm::Status::kSuccess;
    // geth: the return data, the revert data of a revert, nothing for other failures.
    const std::string return_value = failed && status != evm::Status::kRevert ? "" : core::to_hex(output, false);
    return {{"gas", gas_used}, {"failed", failed}, {"returnValue", return_value}, {"structLogs", std::move(logs)}};
}

std::string_view call_type(evm::CallKind kind) {
    switch (kind) {
        case evm::CallKind::kCall: return "CALL";
        case evm::CallKind::kCallCode: return "CALLCODE";
        case evm::CallKind::kDelegateCall: return "DELEGATECALL";
        case evm::CallKind::kStaticCall: return "STATICCALL";
        case evm::CallKind::kCreate: return "CREATE";
        case evm::CallKind::kCreate2: return "CREATE2";
    }
    return "CALL";
}

json call_frame_json(const evm::CallFrame& f) {
    json j = {{"type", f.selfdestruct ? std::string_view("SELFDESTRUCT") : call_type(f.kind)},
              {"from", core::to_hex(f.from)},
              {"gas", qty(f.gas)},
              {"gasUsed", qty(f.gas_used)},
              {"input", core::to_hex(f.input)}};
    if (f.to) j["to"] = core::to_hex(*f.to);
    if (f.value) j["value"] = qty(*f.value);
    if (!f.output.empty()) j["output"] = core::to_hex(f.output);
    if (f.error) j["error"] = std::string(evm::to_string(*f.error));
    if (f.revert_reason) j["revertReason"] = *f.revert_reason;
    if (!f.calls.empty()) {
        json calls = json::array();
        for (const evm::CallFrame& c : f.calls) calls.push_back(call_frame_json(c));
        j["calls"] = std::move(calls);
    }
    return j;
}

/// The trace's JSON; the transaction's frame reports its gas limit and used gas, as geth.
json trace_json(ChosenTracer& tracer, evm::Status status, std::uint64_t gas_limit, std::uint64_t gas_used,
                core::ByteView output) {
    if (auto* logger = std::get_if<evm::StructLogger>(&tracer)) return struct_logs_json(*logger, status, gas_used, output);
    evm::CallTracer& calls = std::get<evm::CallTracer>(tracer);
    if (calls.too_large()) {
        throw RpcError(kServerError, "trace too large: its calls pass " + std::to_string(kMaxTraceBytes >> 20) +
                                         " MiB; use tracerConfig.onlyTopCall");
    }
    if (calls.empty()) throw RpcError(kServerError, "the trace recorded no call");
    evm::CallFrame& top = calls.top();
    top.gas = gas_limit;
    top.gas_used = gas_used;
    return call_frame_json(top);
}

evm::Tracer& as_tracer(ChosenTracer& t) {
    return std::visit([](auto& x) -> evm::Tracer& { return x; }, t);
}

/// debug_traceBlockBy*: every transaction of a block, each with a tracer of its own; they
/// share one budget of kMaxTraceBytes.
json trace_block(node::Node& node, const core::Hash& hash, const json& params) {
    (void)tracer_param(params, 1);  // bad options are refused before anything runs
    auto block = node.block_by_hash(hash);
    if (!block) throw RpcError(kServerError, "block " + hash.hex() + " not found");
    const std::size_t count = block->body.transactions.size();
    json out = json::array();
    if (count == 0) return out;
    std::vector<ChosenTracer> tracers;
    tracers.reserve(count);  // the node holds pointers to them
    std::size_t used = 0;
    auto traced = node.trace_block(hash, count - 1, [&](std::size_t) -> evm::Tracer* {
        if (!tracers.empty()) used += std::visit([](const auto& t) { return t.bytes(); }, tracers.back());
        tracers.push_back(tracer_param(params, 1, used < kMaxTraceBytes ? kMaxTraceBytes - used : 0));
        return &as_tracer(tracers.back());
    });
    if (!traced) throw RpcError(kServerError, traced.error());
    for (std::size_t i = 0; i < count; ++i) {
        const node::TracedTransaction& t = (*traced)[i];
        out.push_back({{"txHash", block->body.transactions[i].hash().hex()},
                       {"result", trace_json(tracers[i], t.status, t.gas_limit, t.gas_used, t.output)}});
    }
    return out;
}

}  // namespace

void register_debug_api(Dispatcher& d, node::Node& node) {
    d.add("debug_traceTransaction", [&node](const json& p, CallContext&) {
        const core::Hash hash = hash_param(param(p, 0, "transaction hash"));
        ChosenTracer tracer = tracer_param(p, 1);
        auto traced = node.trace_transaction(hash, as_tracer(tracer));
        if (!traced) throw RpcError(kServerError, traced.error());
        return trace_json(tracer, traced->status, traced->gas_limit, traced->gas_used, traced->output);
    });
    d.add("debug_traceBlockByNumber", [&node](const json& p, CallContext&) {
        const std::uint64_t number = block_number_param(node, param(p, 0, "block number"));
        auto header = node.header_by_number(number);
        if (!header) throw RpcError(kServerError, "block " + std::to_string(number) + " not found");
        return trace_block(node, header->hash(), p);
    });
    d.add("debug_traceBlockByHash", [&node](const json& p, CallContext&) {
        return trace_block(node, hash_param(param(p, 0, "block hash")), p);
    });
    d.add("debug_traceCall", [&node](const json& p, CallContext&) {
        const node::CallRequest request = call_request_param(node, param(p, 0, "transaction call object"));
        const std::uint64_t number = block_number_param(node, has_param(p, 1) ? p[1] : json("latest"));
        ChosenTracer tracer = tracer_param(p, 2);
        auto out = node.call(request, number, false, &as_tracer(tracer));
        if (!out) throw RpcError(kServerError, out.error());
        const std::uint64_t gas_limit = std::min(request.gas.value_or(node::kRpcGasCap), node::kRpcGasCap);
        return trace_json(tracer, out->status, gas_limit, out->gas_used, out->output);
    });
}

}  // namespace moe::rpc
