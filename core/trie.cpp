#include "core/trie.hpp"

#include "core/keccak.hpp"
#include "core/rlp.hpp"

namespace moe::core {

std::optional<Bytes> MemoryNodeStore::get_node(const Hash& hash) const {
    auto it = nodes_.find(hash);
    if (it == nodes_.end()) return std::nullopt;
    return it->second;
}

void MemoryNodeStore::put_node(const Hash& hash, ByteView rlp) { nodes_[hash] = Bytes(rlp.begin(), rlp.end()); }

std::string_view to_string(TrieError e) noexcept {
    switch (e) {
        case TrieError::kMissingNode: return "trie node missing from the store";
        case TrieError::kCorruptNode: return "corrupt trie node";
    }
    return "unknown trie error";
}

using NodePtr = std::unique_ptr<Trie::Node>;
using Nibbles = Bytes;  // one nibble (0..15) per byte

struct Trie::Node {
    enum class Kind { kLeaf, kExtension, kBranch, kHashRef };
    Kind kind = Kind::kLeaf;
    Nibbles path;                      // leaf and extension
    Bytes value;                       // leaf, and branch (may be empty)
    std::array<NodePtr, 16> children;  // branch; extension uses children[0]
    Hash hash;                         // kHashRef: the node not loaded yet
    std::optional<Bytes> encoding;     // cached RLP, cleared on change
    bool dirty = true;                 // created or changed since the last commit
};

namespace {

using Node = Trie::Node;
using Kind = Node::Kind;
template <typename T>
using Result = std::expected<T, TrieError>;

Nibbles to_nibbles(ByteView key) {
    Nibbles out;
    out.reserve(key.size() * 2);
    for (std::uint8_t b : key) {
        out.push_back(b >> 4);
        out.push_back(b & 0x0f);
    }
    return out;
}

/// Hex-prefix encoding (Yellow Paper appendix C).
Bytes hex_prefix(ByteView nibbles, bool leaf) {
    Bytes out;
    const bool odd = nibbles.size() % 2 == 1;
    std::uint8_t flag = static_cast<std::uint8_t>((leaf ? 2 : 0) + (odd ? 1 : 0));
    std::size_t i = 0;
    if (odd) {
        out.push_back(static_cast<std::uint8_t>((flag << 4) | nibbles[0]));
        i = 1;
    } else {
        out.push_back(static_cast<std::uint8_t>(flag << 4));
    }
    for (; i < nibbles.size(); i += 2) out.push_back(static_cast<std::uint8_t>((nibbles[i] << 4) | nibbles[i + 1]));
    return out;
}

bool decode_hex_prefix(ByteView hp, Nibbles& path, bool& leaf) {
    if (hp.empty()) return false;
    const std::uint8_t flag = hp[0] >> 4;
    if (flag > 3) return false;
    leaf = flag >= 2;
    const bool odd = flag & 1;
    if (!odd && (hp[0] & 0x0f) != 0) return false;
    path.clear();
    if (odd) path.push_back(hp[0] & 0x0f);
    for (std::size_t i = 1; i < hp.size(); ++i) {
        path.push_back(hp[i] >> 4);
        path.push_back(hp[i] & 0x0f);
    }
    return true;
}

NodePtr make_leaf(Nibbles path, ByteView value) {
    auto n = std::make_unique<Node>();
    n->kind = Kind::kLeaf;
    n->path = std::move(path);
    n->value.assign(value.begin(), value.end());
    return n;
}

NodePtr make_extension(Nibbles path, NodePtr child) {
    auto n = std::make_unique<Node>();
    n->kind = Kind::kExtension;
    n->path = std::move(path);
    n->children[0] = std::move(child);
    return n;
}

NodePtr make_branch() {
    auto n = std::make_unique<Node>();
    n->kind = Kind::kBranch;
    return n;
}

void touch(Node& n) {
    n.encoding.reset();
    n.dirty = true;
}

Result<NodePtr> decode_node(ByteView rlp_bytes);

/// A child reference inside a node: empty string (none), a 32-byte hash, or an embedded node.
Result<NodePtr> decode_child(ByteView& from) {
    ByteView probe = from;
    auto h = rlp::decode_header(probe);
    if (!h) return std::unexpected(TrieError::kCorruptNode);
    if (h->list) {
        const std::size_t total = static_cast<std::size_t>(probe.data() - from.data()) + h->payload_length;
        if (total >= 32) return std::unexpected(TrieError::kCorruptNode);  // must have been a hash
        auto child = decode_node(from.subspan(0, total));
        from = from.subspan(total);
        return child;
    }
    auto s = rlp::decode_string(from);
    if (!s) return std::unexpected(TrieError::kCorruptNode);
    if (s->empty()) return NodePtr{};
    if (s->size() != 32) return std::unexpected(TrieError::kCorruptNode);
    auto n = std::make_unique<Node>();
    n->kind = Kind::kHashRef;
    n->hash = Hash::from_view(*s).value();
    n->dirty = false;
    return n;
}

Result<NodePtr> decode_node(ByteView rlp_bytes) {
    const auto corrupt = std::unexpected(TrieError::kCorruptNode);
    ByteView in = rlp_bytes;
    auto list = rlp::decode_list(in);
    if (!list || !in.empty()) return corrupt;
    ByteView items = *list;
    NodePtr node;
    // Count the items first: two for leaf/extension, seventeen for a branch.
    {
        ByteView scan = items;
        std::size_t count = 0;
        while (!scan.empty()) {
            ByteView before = scan;
            auto h = rlp::decode_header(scan);
            if (!h) return corrupt;
            const std::size_t header = static_cast<std::size_t>(scan.data() - before.data());
            scan = before.subspan(header + h->payload_length);
            ++count;
        }
        if (count == 2) {
            auto hp = rlp::decode_string(items);
            if (!hp) return corrupt;
            Nibbles path;
            bool leaf = false;
            if (!decode_hex_prefix(*hp, path, leaf)) return corrupt;
            if (leaf) {
                auto value = rlp::decode_string(items);
                if (!value) return corrupt;
                node = make_leaf(std::move(path), *value);
            } else {
                if (path.empty()) return corrupt;
                auto child = decode_child(items);
                if (!child || !*child) return corrupt;
                node = make_extension(std::move(path), std::move(*child));
            }
        } else if (count == 17) {
            node = make_branch();
            for (auto& c : node->children) {
                auto child = decode_child(items);
                if (!child) return corrupt;
                c = std::move(*child);
            }
            auto value = rlp::decode_string(items);
            if (!value) return corrupt;
            node->value.assign(value->begin(), value->end());
        } else {
            return corrupt;
        }
    }
    node->encoding = Bytes(rlp_bytes.begin(), rlp_bytes.end());
    node->dirty = false;
    return node;
}

/// Replaces a hash reference by the node it names.
Result<void> resolve(NodePtr& node, const NodeStore* store) {
    if (!node || node->kind != Kind::kHashRef) return {};
    if (store == nullptr) return std::unexpected(TrieError::kMissingNode);
    auto rlp_bytes = store->get_node(node->hash);
    if (!rlp_bytes) return std::unexpected(TrieError::kMissingNode);
    if (!store->checks_hashes() && keccak256(*rlp_bytes) != node->hash) return std::unexpected(TrieError::kCorruptNode);
    auto loaded = decode_node(*rlp_bytes);
    if (!loaded) return std::unexpected(loaded.error());
    node = std::move(*loaded);
    return {};
}

std::size_t common_prefix(ByteView a, ByteView b) {
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    return i;
}

Result<void> insert(NodePtr& node, ByteView key, ByteView value, const NodeStore* store) {
    if (!node) {
        node = make_leaf(Nibbles(key.begin(), key.end()), value);
        return {};
    }
    if (auto r = resolve(node, store); !r) return r;
    Node& n = *node;
    switch (n.kind) {
        case Kind::kBranch: {
            touch(n);
            if (key.empty()) {
                n.value.assign(value.begin(), value.end());
                return {};
            }
            return insert(n.children[key[0]], key.subspan(1), value, store);
        }
        case Kind::kLeaf:
        case Kind::kExtension: {
            const std::size_t p = common_prefix(n.path, key);
            if (n.kind == Kind::kLeaf && p == n.path.size() && p == key.size()) {
                touch(n);
                n.value.assign(value.begin(), value.end());
                return {};
            }
            if (n.kind == Kind::kExtension && p == n.path.size()) {
                touch(n);
                return insert(n.children[0], key.subspan(p), value, store);
            }
            // Split at p: a branch holding the old node's remainder and the new key.
            NodePtr branch = make_branch();
            const Nibbles old_path = n.path;
            if (n.kind == Kind::kLeaf) {
                if (p == old_path.size()) {
                    branch->value = std::move(n.value);
                } else {
                    branch->children[old_path[p]] =
                        make_leaf(Nibbles(old_path.begin() + static_cast<std::ptrdiff_t>(p) + 1, old_path.end()), n.value);
                }
            } else {
                // p < path size for an extension here.
                NodePtr child = std::move(n.children[0]);
                if (p + 1 < old_path.size()) {
                    child = make_extension(Nibbles(old_path.begin() + static_cast<std::ptrdiff_t>(p) + 1, old_path.end()),
                                           std::move(child));
                }
                branch->children[old_path[p]] = std::move(child);
            }
            if (p == key.size()) {
                branch->value.assign(value.begin(), value.end());
            } else {
                branch->children[key[p]] = make_leaf(Nibbles(key.begin() + static_cast<std::ptrdiff_t>(p) + 1, key.end()), value);
            }
            if (p > 0) {
                node = make_extension(Nibbles(old_path.begin(), old_path.begin() + static_cast<std::ptrdiff_t>(p)),
                                      std::move(branch));
            } else {
                node = std::move(branch);
            }
            return {};
        }
        case Kind::kHashRef: break;
    }
    return std::unexpected(TrieError::kCorruptNode);
}

/// Restores the canonical shape after a removal below `node`.
Result<void> normalize(NodePtr& node, const NodeStore* store) {
    Node& n = *node;
    if (n.kind == Kind::kExtension) {
        NodePtr& child = n.children[0];
        if (!child) {
            node.reset();
            return {};
        }
        if (auto r = resolve(child, store); !r) return r;
        if (child->kind == Kind::kLeaf || child->kind == Kind::kExtension) {
            Nibbles path = n.path;
            path.insert(path.end(), child->path.begin(), child->path.end());
            NodePtr merged = std::move(child);
            merged->path = std::move(path);
            touch(*merged);
            node = std::move(merged);
        }
        return {};
    }
    if (n.kind != Kind::kBranch) return {};
    int count = 0;
    int last = -1;
    for (int i = 0; i < 16; ++i) {
        if (n.children[static_cast<std::size_t>(i)]) {
            ++count;
            last = i;
        }
    }
    if (count == 0) {
        node = n.value.empty() ? NodePtr{} : make_leaf({}, n.value);
        return {};
    }
    if (count == 1 && n.value.empty()) {
        NodePtr child = std::move(n.children[static_cast<std::size_t>(last)]);
        if (auto r = resolve(child, store); !r) return r;
        if (child->kind == Kind::kBranch) {
            node = make_extension(Nibbles{static_cast<std::uint8_t>(last)}, std::move(child));
        } else {
            child->path.insert(child->path.begin(), static_cast<std::uint8_t>(last));
            touch(*child);
            node = std::move(child);
        }
    }
    return {};
}

Result<bool> remove(NodePtr& node, ByteView key, const NodeStore* store) {
    if (!node) return false;
    if (auto r = resolve(node, store); !r) return std::unexpected(r.error());
    Node& n = *node;
    switch (n.kind) {
        case Kind::kLeaf:
            if (ByteView(n.path).size() == key.size() && std::equal(key.begin(), key.end(), n.path.begin())) {
                node.reset();
                return true;
            }
            return false;
        case Kind::kExtension: {
            if (key.size() < n.path.size() || !std::equal(n.path.begin(), n.path.end(), key.begin())) return false;
            auto removed = remove(n.children[0], key.subspan(n.path.size()), store);
            if (!removed || !*removed) return removed;
            touch(n);
            if (auto r = normalize(node, store); !r) return std::unexpected(r.error());
            return true;
        }
        case Kind::kBranch: {
            if (key.empty()) {
                if (n.value.empty()) return false;
                n.value.clear();
            } else {
                auto removed = remove(n.children[key[0]], key.subspan(1), store);
                if (!removed || !*removed) return removed;
            }
            touch(n);
            if (auto r = normalize(node, store); !r) return std::unexpected(r.error());
            return true;
        }
        case Kind::kHashRef: break;
    }
    return std::unexpected(TrieError::kCorruptNode);
}

Result<std::optional<Bytes>> lookup(NodePtr& node, ByteView key, const NodeStore* store) {
    NodePtr* cur = &node;
    while (*cur) {
        if (auto r = resolve(*cur, store); !r) return std::unexpected(r.error());
        Node& n = **cur;
        switch (n.kind) {
            case Kind::kLeaf:
                if (n.path.size() == key.size() && std::equal(key.begin(), key.end(), n.path.begin())) return n.value;
                return std::optional<Bytes>{};
            case Kind::kExtension:
                if (key.size() < n.path.size() || !std::equal(n.path.begin(), n.path.end(), key.begin())) {
                    return std::optional<Bytes>{};
                }
                key = key.subspan(n.path.size());
                cur = &n.children[0];
                break;
            case Kind::kBranch:
                if (key.empty()) {
                    if (n.value.empty()) return std::optional<Bytes>{};
                    return n.value;
                }
                cur = &n.children[key[0]];
                key = key.subspan(1);
                break;
            case Kind::kHashRef: return std::unexpected(TrieError::kCorruptNode);
        }
    }
    return std::optional<Bytes>{};
}

Result<void> walk(NodePtr& node, Nibbles& prefix, const NodeStore* store,
                  const std::function<void(ByteView, ByteView)>& visit) {
    if (!node) return {};
    if (auto r = resolve(node, store); !r) return r;
    Node& n = *node;
    auto emit = [&](const Nibbles& nibbles, const Bytes& value) {
        Bytes key;
        for (std::size_t i = 0; i + 1 < nibbles.size(); i += 2) {
            key.push_back(static_cast<std::uint8_t>((nibbles[i] << 4) | nibbles[i + 1]));
        }
        visit(key, value);
    };
    const std::size_t mark = prefix.size();
    switch (n.kind) {
        case Kind::kLeaf:
            prefix.insert(prefix.end(), n.path.begin(), n.path.end());
            emit(prefix, n.value);
            break;
        case Kind::kExtension:
            prefix.insert(prefix.end(), n.path.begin(), n.path.end());
            if (auto r = walk(n.children[0], prefix, store, visit); !r) return r;
            break;
        case Kind::kBranch:
            if (!n.value.empty()) emit(prefix, n.value);  // a shorter key sorts first
            for (std::uint8_t i = 0; i < 16; ++i) {
                prefix.push_back(i);
                if (auto r = walk(n.children[i], prefix, store, visit); !r) return r;
                prefix.pop_back();
            }
            break;
        case Kind::kHashRef: return std::unexpected(TrieError::kCorruptNode);
    }
    prefix.resize(mark);
    return {};
}

/// The RLP of a node (cached); nodes of 32 bytes or more that are dirty are handed to `out`.
const Bytes& encode_node(Node& n, NodeStore* out);

/// Appends the reference to a child: its hash, or its RLP when shorter than 32 bytes.
void append_ref(Bytes& payload, const NodePtr& child, NodeStore* out) {
    if (!child) {
        payload.push_back(0x80);
        return;
    }
    if (child->kind == Kind::kHashRef) {
        rlp::encode(payload, child->hash);
        return;
    }
    const Bytes& enc = encode_node(*child, out);
    if (enc.size() < 32) {
        payload.insert(payload.end(), enc.begin(), enc.end());
        child->dirty = false;
        return;
    }
    const Hash h = keccak256(enc);
    if (out != nullptr && child->dirty) out->put_node(h, enc);
    child->dirty = false;
    rlp::encode(payload, h);
}

const Bytes& encode_node(Node& n, NodeStore* out) {
    if (n.encoding && (out == nullptr || !n.dirty)) return *n.encoding;
    Bytes payload;
    switch (n.kind) {
        case Kind::kLeaf:
            rlp::encode(payload, ByteView{hex_prefix(n.path, true)});
            rlp::encode(payload, ByteView{n.value});
            break;
        case Kind::kExtension:
            rlp::encode(payload, ByteView{hex_prefix(n.path, false)});
            append_ref(payload, n.children[0], out);
            break;
        case Kind::kBranch:
            for (const NodePtr& c : n.children) append_ref(payload, c, out);
            rlp::encode(payload, ByteView{n.value});
            break;
        case Kind::kHashRef: break;  // never encoded: references are written by append_ref
    }
    n.encoding = rlp::wrap_list(payload);
    return *n.encoding;
}

}  // namespace

Trie::Trie(const NodeStore* store, const Hash& root) : store_(store) {
    if (root != kEmptyTrieRoot) {
        root_ = std::make_unique<Node>();
        root_->kind = Node::Kind::kHashRef;
        root_->hash = root;
        root_->dirty = false;
    }
}

Trie::~Trie() = default;
Trie::Trie(Trie&&) noexcept = default;
Trie& Trie::operator=(Trie&&) noexcept = default;

std::expected<std::optional<Bytes>, TrieError> Trie::get(ByteView key) {
    return lookup(root_, to_nibbles(key), store_);
}

std::expected<void, TrieError> Trie::put(ByteView key, ByteView value) {
    if (value.empty()) return erase(key);
    return insert(root_, to_nibbles(key), value, store_);
}

std::expected<void, TrieError> Trie::erase(ByteView key) {
    auto removed = remove(root_, to_nibbles(key), store_);
    if (!removed) return std::unexpected(removed.error());
    return {};
}

std::expected<void, TrieError> Trie::for_each(const std::function<void(ByteView, ByteView)>& visit) {
    Nibbles prefix;
    return walk(root_, prefix, store_, visit);
}

Hash Trie::root_hash() {
    if (!root_) return kEmptyTrieRoot;
    if (root_->kind == Node::Kind::kHashRef) return root_->hash;
    return keccak256(encode_node(*root_, nullptr));
}

Hash Trie::commit(NodeStore& out) {
    if (!root_) return kEmptyTrieRoot;
    if (root_->kind == Node::Kind::kHashRef) return root_->hash;
    const bool was_dirty = root_->dirty;
    const Bytes& enc = encode_node(*root_, &out);
    const Hash h = keccak256(enc);
    if (was_dirty) out.put_node(h, enc);
    root_->dirty = false;
    return h;
}

Hash ordered_trie_root(const std::vector<Bytes>& items) {
    Trie trie;
    for (std::size_t i = 0; i < items.size(); ++i) {
        Bytes key;
        rlp::encode(key, static_cast<std::uint64_t>(i));
        // A fresh trie without a store cannot miss nodes.
        [[maybe_unused]] auto r = trie.put(key, items[i]);
    }
    return trie.root_hash();
}

}  // namespace moe::core
