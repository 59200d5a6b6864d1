// visualizer/model/lane_layout.hpp — one lane per host or agent, in a stable order, and
// the links between them (for the network map).
//
// Standards: none (layout). Lane names are the trace's src/dst strings: a host name
// ("mx.b.example") or "host/agent" ("mx.b.example/queue", "mx.b.example/mda").
//
// API:
//   LaneLayout layout(hosts, events);
//   layout.lanes()                   every lane, in drawing order: the scenario's hosts
//                                    in their order, each followed by its agents, then any
//                                    name only the events mention
//   layout.lane_of(name)             index, or npos; a host's address maps to its lane
//   layout.src_lane(step), dst_lane(step)   per-event lanes, precomputed
//   layout.lane_x(lane, width)       the centre of a lane in a diagram `width` wide
//   layout.links(), link_of(step)    host-to-host links and the one an event travels on
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "trace/document.hpp"

namespace smtplab::visualizer {

struct Lane {
  std::string name;   // exactly as in the trace
  std::string host;   // the host part ("mx.b.example")
  std::string agent;  // the agent part ("queue"), empty for the host itself
  std::string role;   // from the scenario ("mta", "dns"...), empty when unknown
  std::string address;
};

struct Link {
  std::size_t host_a = 0;  // indices into hosts(), host_a < host_b
  std::size_t host_b = 0;
  std::size_t first_step = 0;  // the first event that used it
};

class LaneLayout {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  LaneLayout() = default;
  LaneLayout(const std::vector<trace::HostInfo>& hosts, const std::vector<TraceEvent>& events);

  const std::vector<Lane>& lanes() const { return lanes_; }
  std::size_t lane_of(const std::string& name) const;
  std::size_t src_lane(std::size_t step) const { return src_lanes_.at(step); }
  std::size_t dst_lane(std::size_t step) const { return dst_lanes_.at(step); }
  float lane_x(std::size_t lane, float width) const;

  // Hosts (lanes without an agent, plus hosts that only appear through an agent), for
  // the network map; links join two different hosts.
  const std::vector<std::string>& hosts() const { return hosts_; }
  std::size_t host_of_lane(std::size_t lane) const { return lane_host_.at(lane); }
  const std::vector<Link>& links() const { return links_; }
  std::size_t link_of(std::size_t step) const { return event_links_.at(step); }  // or npos

 private:
  std::size_t add_lane(const std::string& name);
  std::string canonical(const std::string& name) const;  // an address becomes its host

  std::vector<Lane> lanes_;
  std::map<std::string, std::size_t> index_;  // std::map: deterministic, no hash order
  std::map<std::string, std::string> aliases_;  // host address -> host name
  std::vector<std::uint32_t> src_lanes_;
  std::vector<std::uint32_t> dst_lanes_;
  std::vector<std::string> hosts_;
  std::vector<std::size_t> lane_host_;
  std::vector<Link> links_;
  std::vector<std::size_t> event_links_;
};

}  // namespace smtplab::visualizer
