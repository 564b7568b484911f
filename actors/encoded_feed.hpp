#pragma once
// A feed client that speaks values instead of bytes (the seed API's valueEncoding): each
// block is one value encoded by the feed's codec (ddatabase/codec.hpp: binary, utf8, json in
// ddatabase/json_codec.hpp, or your own). Reads take another codec per call, as the seed's
// get(index, {valueEncoding}) does: `feed.get<ddb::codec::binary>(i)`. A block that does not
// decode is errc::bad_encoding, never a default value. Borrows the client.
//
//   ddb::encoded_feed<ddb::codec::json> log(client);
//   log.append({{"event", "start"}});
//   nlohmann::json first = log.get(0).value();
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/feed_client.hpp"
#include "actors/feed_streams.hpp"
#include "ddatabase/codec.hpp"

namespace ddb {

namespace detail {

template <class Codec>
result<typename Codec::value_type> decode_block(uint64_t index, const byte_buffer& bytes) {
  auto v = Codec::decode(bytes.data(), bytes.size());
  if (!v) {
    return make_error(errc::bad_encoding,
                      "block " + std::to_string(index) + " does not decode with this encoding");
  }
  return std::move(*v);
}

}  // namespace detail

template <class Codec = codec::binary>
class encoded_feed {
  static_assert(codec::is_codec_v<Codec>,
                "a codec has value_type, static encode(const value_type&) -> "
                "std::vector<uint8_t> and static decode(const uint8_t*, size_t) -> "
                "std::optional<value_type> (see ddatabase/codec.hpp)");

 public:
  using value_type = typename Codec::value_type;

  explicit encoded_feed(feed_client& feed) : feed_(feed) {}

  feed_client& client() { return feed_; }

  // The index of the block holding `v`.
  result<uint64_t> append(const value_type& v) {
    return feed_.append(block_list{Codec::encode(v)});
  }
  // The index of the first value's block; the values are appended atomically, in order. (Not
  // an overload of append: a braced list could be either for json.)
  result<uint64_t> append_batch(const std::vector<value_type>& values) {
    block_list blocks;
    blocks.reserve(values.size());
    for (const value_type& v : values) blocks.push_back(Codec::encode(v));
    return feed_.append(std::move(blocks));
  }

  template <class C = Codec>
  result<typename C::value_type> get(uint64_t index, get_options opts = {}) {
    static_assert(codec::is_codec_v<C>, "get<C>: C is not a codec (see ddatabase/codec.hpp)");
    auto bytes = feed_.get(index, opts);
    if (!bytes) return bytes.error();
    return detail::decode_block<C>(index, *bytes);
  }

  // Blocks [start, end), decoded; the first block that does not decode fails the whole call.
  template <class C = Codec>
  result<std::vector<typename C::value_type>> get_batch(uint64_t start, uint64_t end,
                                                        get_options opts = {}) {
    static_assert(codec::is_codec_v<C>, "get_batch<C>: C is not a codec");
    auto blocks = feed_.get_batch(start, end, opts);
    if (!blocks) return blocks.error();
    std::vector<typename C::value_type> out;
    out.reserve(blocks->size());
    for (size_t i = 0; i < blocks->size(); ++i) {
      auto v = detail::decode_block<C>(start + i, (*blocks)[i]);
      if (!v) return v.error();
      out.push_back(std::move(*v));
    }
    return out;
  }

  // The last block's value.
  template <class C = Codec>
  result<typename C::value_type> head(get_options opts = {}) {
    static_assert(codec::is_codec_v<C>, "head<C>: C is not a codec");
    auto info = feed_.info();
    if (!info) return info.error();
    if (info->length == 0) return make_error(errc::bad_index, "the feed is empty");
    return get<C>(info->length - 1, opts);
  }

 private:
  feed_client& feed_;
};

// A read stream of values (createReadStream with a valueEncoding).
template <class Codec = codec::binary>
class encoded_read_stream {
  static_assert(codec::is_codec_v<Codec>, "encoded_read_stream: not a codec");

 public:
  using value_type = typename Codec::value_type;

  encoded_read_stream(feed_client& feed, read_stream_options opts) : inner_(feed, opts) {}

  // The next value; nullopt once the stream has ended.
  result<std::optional<value_type>> next() {
    const uint64_t index = inner_.index();
    auto block = inner_.next();
    if (!block) return block.error();
    if (!*block) return std::optional<value_type>{};
    auto v = detail::decode_block<Codec>(index, **block);
    if (!v) return v.error();
    return std::optional<value_type>(std::move(*v));
  }

 private:
  read_stream inner_;
};

}  // namespace ddb
