// visualizer/model/playback.hpp — where the viewer is in the trace, and how it moves.
//
// Standards: none (a view concern, kept plain C++ so it can be unit-tested).
//
// API:
//   Playback p(step_count);
//   p.seek(n), step_forward(), step_back(), home(), end()   exact moves: the step is the
//                                       only state, so step N-1 looks exactly as before
//   p.play(), pause(), toggle(), set_speed(x)
//   p.tick(elapsed_ms)                  the owner passes wall time in (no clock here);
//                                       while playing, one step per step_interval_ms / speed
//   p.arrow_progress()                  0..1: how far the current arrow has been drawn
//   p.finish_animation()                jump the arrow to 1 (screenshots, tests)
#pragma once

#include <cstddef>

namespace smtplab::visualizer {

class Playback {
 public:
  // Our choices, tuned by eye on a projector: at 1x a step every 0.7 s leaves time to
  // read a command line; the arrow takes half of that to travel.
  static constexpr double step_interval_ms = 700.0;
  static constexpr double arrow_animation_ms = 350.0;
  static constexpr double speed_min = 0.25;
  static constexpr double speed_max = 32.0;

  explicit Playback(std::size_t step_count = 0) : step_count_(step_count) {}

  std::size_t step() const { return step_; }
  std::size_t step_count() const { return step_count_; }
  bool playing() const { return playing_; }
  double speed() const { return speed_; }
  double arrow_progress() const;
  bool at_end() const { return step_count_ == 0 || step_ + 1 >= step_count_; }

  void seek(std::size_t step);
  void step_forward();
  void step_back();
  void home() { seek(0); }
  void end() { seek(step_count_ == 0 ? 0 : step_count_ - 1); }
  void play();
  void pause() { playing_ = false; }
  void toggle() { playing_ ? pause() : play(); }
  void set_speed(double speed);
  void tick(double elapsed_ms);
  void finish_animation() { progress_ms_ = arrow_animation_ms; }

 private:
  std::size_t step_count_;
  std::size_t step_ = 0;
  bool playing_ = false;
  double speed_ = 1.0;
  double progress_ms_ = arrow_animation_ms;  // time since the current step began (scaled)
};

}  // namespace smtplab::visualizer
