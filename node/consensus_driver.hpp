#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "consensus/tendermint.hpp"
#include "core/secp256k1.hpp"
#include "node/compact_proposal.hpp"
#include "node/consensus_wal.hpp"
#include "node/node.hpp"
#include "node/p2p/p2p.hpp"
#include "node/signer.hpp"

/// Runs consensus for a node: the Tendermint machine of consensus/, fed from the network,
/// timers and the WAL; the signer that refuses to double-sign; gossip; block sync.
namespace moe::node {

/// What validator_getStatus reports.
struct ConsensusStatus {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    std::string step;
    std::optional<core::Address> proposer;
    bool is_validator = false;
    bool syncing = false;
    consensus::VoteCounts votes;
    std::optional<consensus::CommitCertificate> last_commit;
    std::vector<p2p::PeerInfo> peers;
    p2p::Traffic traffic;  ///< bytes to and from peers by message type, since start
    std::map<core::Address, std::uint64_t> peer_heights;
    std::vector<consensus::DuplicateVoteEvidence> pending_evidence;  ///< seen, not yet in a block
    std::vector<consensus::WrongVerdictEvidence> pending_wrong_verdicts;  ///< seen, not yet in a block
    bool started = false;  ///< the consensus thread runs
    bool halted = false;   ///< the WAL or the database failed: nothing more is signed (the process is stopping)
    std::size_t persistent_peers = 0;  ///< configured peers: a node with some is not ready without one
    /// From the start of a height to its commit here: the consensus latency of each block.
    LatencyHistogram height_latency;
};

struct DriverOptions {
    core::PrivateKey validator_key;
    core::PrivateKey node_key;
    std::filesystem::path wal_file;
    /// Absent: no network (a single-validator devnet).
    std::optional<p2p::P2pConfig> p2p;
    consensus::TimeoutConfig timeouts;
    /// The block interval: the next height starts this long after the last one started (at
    /// least a quarter of it after the commit), so a block comes every interval while the
    /// heights take less (CometBFT's timeout_commit counted from the height's start).
    std::uint64_t commit_timeout_ms = 1000;
    /// Instant blocks (decision 007): the next height starts as soon as the pool holds a
    /// transaction the next block can include, rather than commit_timeout_ms after a commit;
    /// commit_timeout_ms still bounds the wait, so an idle chain makes an empty block at that
    /// interval (geth --dev, CometBFT's create_empty_blocks_interval).
    bool instant_blocks = false;
    /// For tests only (`moed start --byzantine-wrong-verdicts`): every score this validator
    /// signs in its vote extensions is off by 5000, so that recomputing validators catch it.
    /// Built only with MOE_TEST_BEHAVIOURS (the test builds); create() refuses it otherwise.
    bool byzantine_wrong_verdicts = false;
    /// Told once, on the consensus thread, when the node halts: the WAL or the database failed
    /// (a write, or a read a block depended on). Nothing is signed afterwards; whoever runs the
    /// driver should stop the process (moed exits with status 3). Must not call stop().
    std::function<void(const std::string& why)> on_fatal = nullptr;
    /// Makes the network instead of a p2p::P2p from `p2p`: the in-memory network of the
    /// driver's deterministic tests.
    std::function<std::unique_ptr<p2p::Network>(p2p::Network::MessageHandler, p2p::Network::PeerHandler)> network = nullptr;
    /// The clocks, injected by the deterministic tests; empty: the system's. A steady clock
    /// for timeouts and pacing, Unix seconds for the timestamps of proposed blocks.
    std::function<std::chrono::steady_clock::time_point()> steady_now = nullptr;
    std::function<std::uint64_t()> unix_now = nullptr;
};

/// One thread that owns the consensus state: every input (peer messages, timers) is queued
/// and handled in order, so the state machine has a single writer (CometBFT's design).
class ConsensusDriver {
  public:
    /// Opens the WAL and prepares; nothing runs until start().
    [[nodiscard]] static std::expected<std::unique_ptr<ConsensusDriver>, std::string> create(Node& node, DriverOptions options);
    ~ConsensusDriver();

    /// Replays the WAL, starts the network and the consensus thread.
    [[nodiscard]] std::expected<void, std::string> start();
    /// For the deterministic tests: replays the WAL and starts the network but no thread; the
    /// caller then calls step() whenever it delivered a message or moved the clock.
    [[nodiscard]] std::expected<void, std::string> start_stepping();
    /// Handles everything that is due: queued messages and tasks, peers' transactions (when
    /// no thread admits them), timers that fired, the periodic status. Never waits.
    void step();
    /// Stops the thread and the network; a block being committed is finished first. Idempotent.
    void stop();

    [[nodiscard]] ConsensusStatus status() const;

    // The dev RPC of a devnet (evm_mine, evm_increaseTime, evm_setNextBlockTimestamp), for the
    // blocks this validator proposes. Thread-safe.

    /// Asks for a block that starts after this call, with whatever the pool holds then (an
    /// empty block if nothing); returns its height: the head reaching it answers evm_mine.
    [[nodiscard]] std::uint64_t mine_now();
    /// Moves the clock of the blocks this validator proposes forward: the next block is at
    /// least `seconds` after the head's (after the last such jump's, when none has been mined
    /// yet), and later ones keep the offset. Returns the total offset in seconds.
    std::int64_t increase_time(std::uint64_t seconds);
    /// The next block this validator proposes gets `timestamp`, and time goes on from there;
    /// an error unless it is after the head's timestamp.
    [[nodiscard]] std::expected<void, std::string> set_next_timestamp(std::uint64_t timestamp);
    /// evm_snapshot (decision 008): records the head, the pool and the dev clock on the
    /// consensus thread, between heights; returns the snapshot's id (1, 2, ...). An error on
    /// anything but a single-validator devnet.
    [[nodiscard]] std::expected<std::uint64_t, std::string> snapshot();
    /// evm_revert (decision 008): puts the head, state, pool and clock back to snapshot `id`
    /// (the blocks after it are removed) and forgets it and every later snapshot; false for an
    /// unknown id. The WAL and the signer start again at the snapshot's next height.
    [[nodiscard]] std::expected<bool, std::string> revert(std::uint64_t id);
    /// hardhat_setBalance and the like (decision 008): `changes` go into the next block this
    /// validator builds, which is asked for at once; returns its height (the head reaching it
    /// answers the call). An error on anything but a single-validator devnet.
    [[nodiscard]] std::expected<std::uint64_t, std::string> queue_dev_changes(std::vector<consensus::AccountChange> changes);
    /// The P2P port actually bound (0 without a network).
    [[nodiscard]] std::uint16_t p2p_port() const;

  private:
    struct PeerMessage {
        p2p::PeerId peer;
        p2p::MessageType type;
        core::Bytes payload;
    };
    struct Timer {
        std::chrono::steady_clock::time_point due;
        consensus::TimeoutFired timeout;
        bool start_height = false;  ///< the commit pause: start head + 1
        bool operator>(const Timer& o) const { return due > o.due; }
    };
    /// A proposal's block, executed.
    struct ProposedBlock {
        core::Bytes block_rlp;
        consensus::ConsensusData data;
        std::optional<ExecutedBlock> executed;  ///< empty: invalid
    };

    /// What evm_snapshot recorded.
    struct DevSnapshot {
        Head head;
        std::vector<PooledTransaction> pool;  ///< pending then queued
        std::int64_t time_offset_s = 0;
        std::optional<std::uint64_t> next_timestamp;
        std::optional<std::uint64_t> min_next_timestamp;
    };

    ConsensusDriver(Node& node, DriverOptions options);

    /// Runs `task` on the consensus thread before its next event and waits for it (at most
    /// 10 s): the dev RPC's changes of the chain never race a height.
    [[nodiscard]] std::expected<void, std::string> on_consensus_thread(std::function<void()> task);
    /// An error unless this is a single-validator devnet: no network, one validator now and
    /// at the next height.
    [[nodiscard]] std::expected<void, std::string> check_single_validator() const;
    /// revert() on the consensus thread.
    [[nodiscard]] std::expected<bool, std::string> revert_here(std::uint64_t id);
    /// Forgets everything of the heights being decided and waits to start head + 1, as a
    /// process that just opened its database would (after a rewind; the WAL must already say
    /// head + 1 with nothing signed).
    void restart_at_head();

    void run();
    [[nodiscard]] std::chrono::steady_clock::time_point now() const;
    [[nodiscard]] std::uint64_t unix_now() const;
    /// What the transaction thread does next: peers that connected and wait for our pool,
    /// peer transactions to admit, and the gossip batch when it is due.
    struct TransactionWork {
        std::vector<p2p::PeerId> pool_sync;
        std::vector<PeerMessage> received;
        std::vector<core::Bytes> gossip;
        [[nodiscard]] bool empty() const { return pool_sync.empty() && received.empty() && gossip.empty(); }
    };
    /// Whether the gossip batch should go now (inbox_mutex_ held).
    [[nodiscard]] bool gossip_due(std::chrono::steady_clock::time_point now) const;
    /// Takes the waiting work off the queues (inbox_mutex_ held); the gossip batch goes along
    /// when it is due or `flush_gossip`.
    [[nodiscard]] TransactionWork take_transaction_work(bool flush_gossip);
    void do_transaction_work(TransactionWork work);
    void handle_message(const PeerMessage& m);
    /// A full proposal (an older peer's, or a test's): split and handled as a compact one
    /// whose transactions are all at hand.
    void on_proposal_message(const p2p::PeerId& peer, core::ByteView payload);
    /// A compact proposal (node/compact_proposal.hpp): its transactions from the pool, the
    /// ones it lacks asked of the peer that sent it.
    void on_compact_proposal(const p2p::PeerId& peer, core::ByteView payload);
    void on_transactions_request(const p2p::PeerId& peer, core::ByteView payload);
    void on_proposal_transactions(const p2p::PeerId& peer, core::ByteView payload);
    /// Whether a proposal is for the height being decided, new, and signed by its round's
    /// proposer; one of a next height is kept for then, a bad signature disconnects `peer`.
    [[nodiscard]] bool proposal_due(const p2p::PeerId& peer, p2p::MessageType type, core::ByteView payload,
                                    const consensus::Proposal& proposal);
    /// A proposal whose transactions are all here: its block assembled and executed, logged,
    /// passed on compact, and fed to the machine.
    void accept_proposal(const p2p::PeerId& peer, const CompactProposal& compact, const std::vector<core::Bytes>& transactions);
    /// Asks `peer` for the transactions of an awaited proposal still missing.
    void ask_for_transactions(const p2p::PeerId& peer, std::uint32_t round);
    void on_vote_message(const p2p::PeerId& peer, core::ByteView payload);
    void on_evidence_message(const p2p::PeerId& peer, core::ByteView payload);
    void on_status_message(const p2p::PeerId& peer, core::ByteView payload);
    void on_block_request(const p2p::PeerId& peer, core::ByteView payload);
    void on_block_response(const p2p::PeerId& peer, core::ByteView payload);

    /// Feeds an event to the machine (after logging it, unless replaying) and carries out
    /// every action it leads to.
    void feed(consensus::Event event);
    void carry_out(const consensus::Action& action);
    void start_height();
    /// Instant blocks: whether the height after the head should start now rather than at the
    /// end of the commit pause.
    [[nodiscard]] bool start_early();
    void replay_wal();
    /// Logs a record before it is acted on; false: the WAL failed and the node halted.
    [[nodiscard]] bool log_wal(WalRecordType type, core::Bytes body);
    /// Stops acting and shuts the process down cleanly (the WAL cannot be written).
    void halt(const std::string& why);
    /// The signer's vote, sent; nothing when it refuses (a WAL failure halts the node).
    [[nodiscard]] std::optional<consensus::Vote> sign_vote(const consensus::SignVote& s);
    /// The vote extension of a precommit for `block` at `height`: this validator's verdicts
    /// on the pooled transactions routed to the experts it hosts (decision 004, the node).
    [[nodiscard]] core::Bytes routing_extension(std::uint64_t height, const core::Hash& block);
    /// The verdicts the proposer of `height` may carry, from its last commit; nullopt when
    /// routing is off at that height.
    [[nodiscard]] std::optional<chain::RoutingInput> routing_input(std::uint64_t height, const consensus::ConsensusData& data) const;
    /// The timestamp of a block this validator proposes now: the clock, moved by the dev RPC.
    [[nodiscard]] std::uint64_t proposal_timestamp();
    void propose(std::uint64_t height, std::uint32_t round, std::optional<core::Hash> valid_block, std::int32_t pol_round);
    /// Executes a proposed block (once per hash) and says whether it is valid.
    bool execute_proposed(const core::Hash& hash, core::ByteView block_rlp, const consensus::ConsensusData& data);
    void add_evidence(const consensus::DuplicateVoteEvidence& e, std::optional<p2p::PeerId> from);
    /// Pools a wrong-verdict evidence (once) and gossips it.
    void add_wrong_verdict(const consensus::WrongVerdictEvidence& e, std::optional<p2p::PeerId> from);
    /// A peer's non-nil precommit with verdicts, of the current or the just committed height:
    /// checked now if its height is committed, else when it is (decision 004).
    void queue_precommit_check(const consensus::Vote& vote);
    /// Recomputes the sampled verdicts of a precommit of a committed height; the first that
    /// differs becomes wrong-verdict evidence.
    void check_precommit(const consensus::Vote& vote);
    void commit(const consensus::Commit& c);
    void maybe_request_blocks();
    void send_status();
    void rebroadcast();
    /// Sends our pool to a peer that just connected (the transaction thread).
    void send_pool(const p2p::PeerId& peer);
    void publish_status();
    void send(p2p::MessageType type, core::ByteView payload, std::optional<p2p::PeerId> from);

    Node& node_;
    DriverOptions options_;
    /// The validator key's address, derived once: deriving it (a public key from the private
    /// key) on each vote and status cost as much as a sender recovery (scripts/profile.sh).
    core::Address self_;
    std::unique_ptr<ConsensusWal> wal_;
    std::unique_ptr<p2p::Network> p2p_;
    consensus::Tendermint machine_;
    bool replaying_ = false;
    bool halted_ = false;  ///< the WAL or the database failed: nothing more is signed or acted on

    // Consensus-thread state.
    std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
    std::map<core::Hash, ProposedBlock> blocks_;                    ///< of the current height, by hash
    std::optional<Signer> signer_;  ///< this validator's votes and proposals of this height (after the WAL opens)
    std::map<std::uint32_t, core::Bytes> proposal_messages_;       ///< round -> the compact proposal accepted there
    /// A compact proposal waiting for transactions this node's pool lacks.
    struct AwaitedProposal {
        CompactProposal compact;
        std::vector<core::Bytes> transactions;  ///< in block order; empty where still missing
        std::size_t missing = 0;
        std::chrono::steady_clock::time_point asked;
    };
    std::map<std::uint32_t, AwaitedProposal> awaited_proposals_;   ///< by round
    std::deque<PeerMessage> future_;                               ///< messages of the next heights
    std::map<core::Hash, consensus::WrongVerdictEvidence> wrong_verdict_pool_;  ///< by evidence hash
    std::vector<consensus::Vote> unchecked_precommits_;            ///< of the height being decided
    std::set<core::Hash> checked_precommits_;                      ///< keccak of each vote queued or checked
    std::map<core::Hash, consensus::DuplicateVoteEvidence> evidence_pool_;
    std::map<p2p::PeerId, std::uint64_t> peer_heights_;
    std::map<core::Hash, std::uint64_t> first_seen_;  ///< pooled transaction -> height first planned
    std::optional<std::chrono::steady_clock::time_point> sync_requested_;
    std::uint64_t sync_until_ = 0;  ///< the last block of the outstanding request
    bool waiting_for_start_ = false;
    /// Instant blocks: whether the block committed last carried transactions (a full block
    /// leaves more behind, so the next starts at once without a new arrival).
    bool last_block_had_transactions_ = false;
    std::chrono::steady_clock::time_point last_progress_;
    std::chrono::steady_clock::time_point height_started_;  ///< when start_height last ran
    LatencyHistogram height_latency_;
    std::chrono::steady_clock::time_point last_status_;

    // The inbox.
    mutable std::mutex inbox_mutex_;
    std::condition_variable inbox_cv_;
    std::deque<PeerMessage> inbox_;
    bool stopping_ = false;
    /// Instant blocks: a transaction was pooled since the current height started (set by the
    /// node's pooling listener, on any thread).
    bool pooled_since_start_ = false;
    bool mine_requested_ = false;  ///< evm_mine: start the next height now
    std::uint64_t started_height_ = 0;  ///< the last height start_height started
    std::deque<std::function<void()>> tasks_;  ///< for the consensus thread (on_consensus_thread)
    std::vector<consensus::AccountChange> dev_changes_;  ///< for the next block built here (decision 008)

    mutable std::mutex clock_mutex_;  ///< guards the dev RPC's clock
    std::int64_t time_offset_s_ = 0;
    std::optional<std::uint64_t> next_timestamp_;      ///< evm_setNextBlockTimestamp
    std::optional<std::uint64_t> min_next_timestamp_;  ///< evm_increaseTime: the next block at least this
    std::thread thread_;
    std::map<std::uint64_t, DevSnapshot> snapshots_;  ///< by id; the consensus thread's
    std::uint64_t next_snapshot_id_ = 1;

    // Transactions from peers: their own queue and thread, so that admitting them (sender
    // recovery, screening) never delays a vote.
    std::condition_variable transactions_cv_;
    std::deque<PeerMessage> transactions_;
    std::vector<p2p::PeerId> pool_sync_;  ///< peers that connected and wait for our pool (inbox_mutex_)
    /// Transactions this node pooled and has not yet gossiped: they go to the peers together,
    /// one frame for many (inbox_mutex_).
    std::vector<core::Bytes> gossip_batch_;
    std::size_t gossip_batch_bytes_ = 0;
    std::chrono::steady_clock::time_point gossip_batch_started_;
    std::thread transaction_thread_;
    void admit_transactions();

    mutable std::mutex status_mutex_;
    ConsensusStatus status_;
};

}  // namespace moe::node
