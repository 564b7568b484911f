#include "actors/feed_client.hpp"

#include <caf/all.hpp>

#include "messages/errors.hpp"
#include "storage/env.hpp"

namespace ddb {

feed_client::feed_client(caf::actor_system& sys, feed_actor actor)
    : sys_(&sys), actor_(std::move(actor)) {}

feed_client::~feed_client() = default;

caf::scoped_actor& feed_client::self() {
  if (!self_) self_ = std::make_unique<caf::scoped_actor>(*sys_);
  return *self_;
}

result<feed_client> feed_client::open(caf::actor_system& sys, std::unique_ptr<env> storage,
                                      feed_options opts, feed_actor_options actor_opts) {
  auto f = feed::open(std::move(storage), std::move(opts));
  if (!f) return f.error();
  return feed_client(sys, spawn_feed_actor(sys, std::move(*f), actor_opts));
}

result<feed_client> feed_client::open(caf::actor_system& sys, const std::string& directory,
                                      feed_options opts, feed_actor_options actor_opts) {
  return open(sys, make_file_env(directory), std::move(opts), actor_opts);
}

template <class T, class... Ts>
result<T> feed_client::call(Ts&&... xs) {
  std::optional<result<T>> out;
  self()
      ->request(actor_, caf::infinite, std::forward<Ts>(xs)...)
      .receive([&](T& value) { out.emplace(std::move(value)); },
               [&](caf::error& err) { out.emplace(from_caf_error(err)); });
  return std::move(*out);
}

template <class... Ts>
status feed_client::call_void(Ts&&... xs) {
  status out;
  self()
      ->request(actor_, caf::infinite, std::forward<Ts>(xs)...)
      .receive([&]() {}, [&](caf::error& err) { out = from_caf_error(err); });
  return out;
}

result<uint64_t> feed_client::append(block_list blocks) {
  return call<uint64_t>(ddb_append_atom_v, std::move(blocks));
}
result<uint64_t> feed_client::append(byte_view block) {
  return append(block_list{block.to_buffer()});
}
result<byte_buffer> feed_client::get(uint64_t index, get_options opts) {
  return call<byte_buffer>(ddb_get_atom_v, index, opts);
}
result<byte_buffer> feed_client::get(uint64_t index, get_options opts,
                                     const std::function<void()>& on_wait) {
  if (opts.wait && on_wait) {
    auto stored = has(index);
    if (!stored) return stored.error();
    if (!*stored) on_wait();
  }
  return get(index, opts);
}
result<block_list> feed_client::get_batch(uint64_t start, uint64_t end, get_options opts) {
  return call<block_list>(ddb_batch_atom_v, start, end, opts);
}
result<byte_buffer> feed_client::head(get_options opts) {
  return call<byte_buffer>(ddb_head_atom_v, opts);
}
result<bool> feed_client::has(uint64_t index) {
  return has(index, index + 1);
}
result<bool> feed_client::has(uint64_t start, uint64_t end) {
  return call<bool>(ddb_has_atom_v, start, end);
}
result<uint64_t> feed_client::downloaded(uint64_t start, uint64_t end) {
  return call<uint64_t>(ddb_dl_atom_v, start, end);
}
status feed_client::clear(uint64_t start, uint64_t end) {
  return call_void(ddb_clear_atom_v, start, end);
}
status feed_client::cancel(uint64_t start, uint64_t end) {
  return call_void(ddb_cancel_atom_v, start, end);
}
result<seek_reply> feed_client::seek(uint64_t byte_offset) {
  return call<seek_reply>(ddb_seek_atom_v, byte_offset);
}
result<signature_reply> feed_client::signature(std::optional<uint64_t> index) {
  return call<signature_reply>(ddb_sig_atom_v, index.value_or(latest_index));
}
result<bool> feed_client::verify(uint64_t index, const signature_t& sig) {
  return call<bool>(ddb_verify_atom_v, index, sig);
}
result<node_list> feed_client::root_hashes(uint64_t index) {
  return call<node_list>(ddb_roots_atom_v, index);
}
result<audit_reply> feed_client::audit() {
  return call<audit_reply>(ddb_audit_atom_v);
}
result<feed_info> feed_client::info() {
  return call<feed_info>(ddb_info_atom_v);
}
status feed_client::subscribe(const caf::actor& subscriber) {
  return call_void(ddb_sub_atom_v, subscriber);
}
status feed_client::unsubscribe(const caf::actor& subscriber) {
  return call_void(ddb_unsub_atom_v, subscriber);
}
result<uint64_t> feed_client::download(download_request r) {
  return call<uint64_t>(ddb_dload_atom_v, std::move(r));
}
status feed_client::wait_download(uint64_t id) {
  return call_void(ddb_dwait_atom_v, id);
}
status feed_client::undownload(uint64_t id) {
  return call_void(ddb_undl_atom_v, id);
}
result<uint64_t> feed_client::update(update_request r) {
  return call<uint64_t>(ddb_update_atom_v, r);
}
status feed_client::set_downloading(bool on) {
  return call_void(ddb_setdl_atom_v, on);
}
status feed_client::set_uploading(bool on) {
  return call_void(ddb_setul_atom_v, on);
}
result<feed_stats> feed_client::stats() {
  return call<feed_stats>(ddb_stats_atom_v);
}
result<std::vector<peer_stats>> feed_client::peers() {
  auto s = stats();
  if (!s) return s.error();
  return std::move(s->peers);
}
status feed_client::close() {
  return call_void(ddb_close_atom_v);
}
status feed_client::destroy_storage() {
  return call_void(ddb_destroy_atom_v);
}

}  // namespace ddb
