#include "rpc/dispatcher.hpp"

#include <algorithm>
#include <stdexcept>

namespace moe::rpc {

using nlohmann::json;

void invalid_params(const std::string& why) { throw RpcError(kInvalidParams, "invalid argument: " + why); }

json error_response(const json& id, int code, const std::string& message, const std::optional<json>& data) {
    json err = {{"code", code}, {"message", message}};
    if (data) err["data"] = *data;
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}};
}

std::size_t json_nesting_depth(std::string_view text, std::size_t limit) {
    std::size_t depth = 0;
    std::size_t deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;  // the escaped character cannot end the string
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
            if (deepest > limit) return limit + 1;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

std::size_t json_batch_items(std::string_view text, std::size_t limit) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || text[first] != '[') return 0;
    std::size_t depth = 0;
    std::size_t items = 0;
    bool in_string = false;
    bool any = false;
    for (std::size_t i = first; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (depth == 1 && !any && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ']') {
            any = true;
            items = 1;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            ++depth;
        } else if (c == ']' || c == '}') {
            if (depth > 0 && --depth == 0) break;
        } else if (c == ',' && depth == 1 && ++items > limit) {
            return limit + 1;
        }
    }
    return std::min(items, limit + 1);
}

Dispatcher::Dispatcher(std::size_t max_batch) : max_batch_(max_batch) { stats_.try_emplace(std::string(kUnknownMethod)); }

void Dispatcher::add(const std::string& name, Handler handler) {
    if (!methods_.emplace(name, std::move(handler)).second) throw std::logic_error("RPC method " + name + " is registered twice");
    std::lock_guard lock(stats_mutex_);
    stats_.try_emplace(name);  // at zero until called: dashboards see every method from start-up
}

void Dispatcher::replace(const std::string& name, Handler handler) {
    const auto it = methods_.find(name);
    if (it == methods_.end()) throw std::logic_error("RPC method " + name + " is replaced but was never registered");
    it->second = std::move(handler);
}

std::string_view method_class(std::string_view method) noexcept {
    return method.substr(0, method.find('_'));
}

void Dispatcher::record(const std::string& method, bool error, double seconds) {
    std::lock_guard lock(stats_mutex_);
    MethodStats& s = stats_[method];
    s.calls += 1;
    s.errors += error ? 1 : 0;
    s.seconds += seconds;
}

std::map<std::string, MethodStats> Dispatcher::stats() const {
    std::lock_guard lock(stats_mutex_);
    return stats_;
}

std::optional<json> Dispatcher::call(const json& request, CallContext& context) {
    if (!request.is_object()) return error_response(nullptr, kInvalidRequest, "invalid request");
    const bool has_id = request.contains("id");
    json id = has_id ? request["id"] : json(nullptr);
    if (has_id && !(id.is_null() || id.is_string() || id.is_number())) {
        return error_response(nullptr, kInvalidRequest, "invalid request: id must be a string, number or null");
    }
    if (!request.contains("jsonrpc") || request["jsonrpc"] != "2.0") {
        return error_response(id, kInvalidRequest, "invalid request: jsonrpc must be \"2.0\"");
    }
    if (!request.contains("method") || !request["method"].is_string()) {
        return error_response(id, kInvalidRequest, "invalid request: method must be a string");
    }
    const std::string method = request["method"].get<std::string>();
    const json params = request.contains("params") ? request["params"] : json(nullptr);
    if (!(params.is_null() || params.is_array() || params.is_object())) {
        return has_id ? std::optional(error_response(id, kInvalidRequest, "invalid request: params must be an array or object"))
                      : std::nullopt;
    }
    auto it = methods_.find(method);
    if (it == methods_.end()) {
        record(std::string(kUnknownMethod), true, 0);
        if (!has_id) return std::nullopt;
        return error_response(id, kMethodNotFound, "the method " + method + " does not exist/is not available");
    }
    const auto start = std::chrono::steady_clock::now();
    json response;
    bool failed = false;
    try {
        json result = it->second(params, context);
        response = json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
    } catch (const RpcError& e) {
        failed = true;
        response = error_response(id, e.code, e.what(), e.data);
    } catch (const json::exception& e) {
        failed = true;  // a handler reading params of the wrong shape
        response = error_response(id, kInvalidParams, std::string("invalid argument: ") + e.what());
    } catch (const std::exception& e) {
        failed = true;
        response = error_response(id, kInternalError, std::string("internal error: ") + e.what());
    }
    record(method, failed, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!has_id) return std::nullopt;
    return response;
}

std::optional<std::string> Dispatcher::handle(std::string_view body, CallContext& context) {
    if (json_nesting_depth(body, kMaxJsonDepth) > kMaxJsonDepth) {
        return error_response(nullptr, kInvalidRequest,
                              "invalid request: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels")
            .dump();
    }
    if (const std::size_t n = json_batch_items(body, max_batch_); n > max_batch_) {
        return error_response(nullptr, kLimitExceeded, "batch too large: more than " + std::to_string(max_batch_) +
                                                           " requests, the limit is " + std::to_string(max_batch_))
            .dump();
    }
    json request = json::parse(body, nullptr, false);
    if (request.is_discarded()) return error_response(nullptr, kParseError, "parse error").dump();
    if (request.is_array()) {
        if (request.empty()) return error_response(nullptr, kInvalidRequest, "empty batch").dump();
        if (request.size() > max_batch_) {
            return error_response(nullptr, kLimitExceeded, "batch too large: " + std::to_string(request.size()) +
                                                               " requests, the limit is " + std::to_string(max_batch_))
                .dump();
        }
        json responses = json::array();
        for (const json& r : request) {
            if (auto out = call(r, context)) responses.push_back(std::move(*out));
        }
        if (responses.empty()) return std::nullopt;
        return responses.dump();
    }
    auto out = call(request, context);
    if (!out) return std::nullopt;
    return out->dump();
}

}  // namespace moe::rpc
