// The storage actor: writes a feed's prepared batches in order, one feed_files::write each.
#include "actors/storage_actor.hpp"

#include <caf/all.hpp>

#include "messages/errors.hpp"

namespace ddb {

storage_actor::behavior_type storage_behavior(storage_self self,
                                              std::shared_ptr<feed_files> files) {
  self->state.files = std::move(files);
  return {
      [=](ddb_write_atom, const storage_write& w) -> caf::result<uint64_t> {
        auto& st = self->state;
        if (st.failed && st.failed_generation == w.generation) {
          return to_caf_error(st.failure);
        }
        status s = st.files->write(*w.batch);
        if (!s) {
          st.failed = true;
          st.failed_generation = w.generation;
          st.failure = s;
          return to_caf_error(s);
        }
        ++st.batches_written;
        return w.sequence;
      },
  };
}

}  // namespace ddb
