#pragma once
// Internal to control/: one request to a feed actor with a timeout, from any thread. Each call
// makes its own scoped actor, so HTTP handler threads never share one and never touch the
// actor's state: the feed actor answers like it answers the node's own clients.
#include <chrono>
#include <optional>
#include <utility>

#include <caf/all.hpp>

#include "actors/feed_actor.hpp"
#include "core/result.hpp"
#include "messages/errors.hpp"

namespace ddb::control {

// Replies come within this, or the request fails with timeout.
inline constexpr std::chrono::seconds call_timeout{10};

template <class T, class... Ts>
result<T> ask(caf::actor_system& sys, const feed_actor& feed, caf::timespan timeout, Ts&&... xs) {
  caf::scoped_actor self{sys};
  std::optional<result<T>> out;
  self->request(feed, timeout, std::forward<Ts>(xs)...)
      .receive([&](T& value) { out.emplace(std::move(value)); },
               [&](caf::error& err) { out.emplace(from_caf_error(err)); });
  return std::move(*out);
}

}  // namespace ddb::control
