// visualizer/model/playback.cpp — the playback cursor.
#include "model/playback.hpp"

#include <algorithm>

namespace smtplab::visualizer {

double Playback::arrow_progress() const {
  return std::clamp(progress_ms_ / arrow_animation_ms, 0.0, 1.0);
}

void Playback::seek(std::size_t step) {
  const std::size_t last = step_count_ == 0 ? 0 : step_count_ - 1;
  const std::size_t target = std::min(step, last);
  if (target != step_) progress_ms_ = 0.0;  // animate the arrow of the new step
  step_ = target;
}

void Playback::step_forward() {
  if (!at_end()) seek(step_ + 1);
}

void Playback::step_back() {
  if (step_ > 0) seek(step_ - 1);
}

void Playback::play() {
  // Playing from the last step restarts, which is what a presenter expects.
  if (at_end()) seek(0);
  playing_ = step_count_ > 1;
}

void Playback::set_speed(double speed) { speed_ = std::clamp(speed, speed_min, speed_max); }

void Playback::tick(double elapsed_ms) {
  if (elapsed_ms <= 0.0) return;
  progress_ms_ += elapsed_ms * speed_;
  if (!playing_) {
    progress_ms_ = std::min(progress_ms_, arrow_animation_ms);
    return;
  }
  // At high speed several steps can fall in one frame; each is taken, but at most one
  // frame's worth, so a long stall (a dragged window) does not skip the whole trace.
  std::size_t taken = 0;
  constexpr std::size_t steps_per_tick_max = 64;
  while (progress_ms_ >= step_interval_ms && taken < steps_per_tick_max) {
    if (at_end()) {
      playing_ = false;
      progress_ms_ = arrow_animation_ms;
      return;
    }
    progress_ms_ -= step_interval_ms;
    ++step_;
    ++taken;
  }
  if (taken == steps_per_tick_max) progress_ms_ = 0.0;
}

}  // namespace smtplab::visualizer
