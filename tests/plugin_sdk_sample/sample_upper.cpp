// A sample third-party extension ("sample/upper", UTF-8): answers every message with the same
// text in upper case, unless it is upper case already.
#include <algorithm>
#include <cctype>
#include <string>

#include <ddatabase/extension.hpp>

namespace {

class upper final : public ddb::plugin::extension {
 public:
  upper(ddb::plugin::host_handle h, const std::string&) : extension(h) {}

  void on_message(const ddb::plugin::feed_ref& feed, const ddb::plugin::peer_ref& peer,
                  std::string_view text) override {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (out != text) host().send(feed, peer.id, out);
  }
};

}  // namespace

DDB_PLUGIN(upper, "sample/upper", DDB_ENCODING_UTF8)
