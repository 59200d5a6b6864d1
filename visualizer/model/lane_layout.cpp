// visualizer/model/lane_layout.cpp — lanes in a stable order, per-event lane indexes.
#include "model/lane_layout.hpp"

#include <algorithm>

namespace smtplab::visualizer {

namespace {

std::string host_part(const std::string& name) { return name.substr(0, name.find('/')); }

std::string agent_part(const std::string& name) {
  const auto slash = name.find('/');
  return slash == std::string::npos ? std::string() : name.substr(slash + 1);
}

}  // namespace

LaneLayout::LaneLayout(const std::vector<trace::HostInfo>& hosts,
                       const std::vector<TraceEvent>& events) {
  // Order: every name the events use is grouped under its host; hosts come in scenario
  // order, then in order of first appearance. Within a host, the host lane comes first
  // and agents follow in order of first appearance. The result depends only on the
  // document, so screenshots and tests are stable.
  // Engines that speak to an address (a DNS datagram to 203.0.113.53) name it as the
  // peer; the scenario says which host has that address, so it shares the host's lane.
  for (const auto& h : hosts)
    if (!h.address.empty() && h.address != h.name) aliases_.emplace(h.address, h.name);
  std::vector<std::string> host_order;
  std::map<std::string, std::vector<std::string>> names_by_host;
  auto note_name = [&](const std::string& given) {
    const std::string name = canonical(given);
    const std::string host = host_part(name);
    auto [it, inserted] = names_by_host.try_emplace(host);
    if (inserted) host_order.push_back(host);
    if (std::find(it->second.begin(), it->second.end(), name) == it->second.end())
      it->second.push_back(name);
  };
  for (const auto& h : hosts) note_name(h.name);
  for (const auto& e : events) {
    if (!e.src.empty()) note_name(e.src);
    if (!e.dst.empty()) note_name(e.dst);
  }
  for (const auto& host : host_order) {
    auto& names = names_by_host[host];
    // The bare host lane first, when it exists.
    std::stable_partition(names.begin(), names.end(),
                          [&](const std::string& n) { return n == host; });
    for (const auto& name : names) add_lane(name);
  }
  for (auto& lane : lanes_) {
    for (const auto& h : hosts) {
      if (h.name == lane.host) {
        lane.role = h.role;
        lane.address = h.address;
      }
    }
  }

  // Hosts for the network map, and each lane's host.
  std::map<std::string, std::size_t> host_index;
  for (const auto& host : host_order) {
    host_index.emplace(host, hosts_.size());
    hosts_.push_back(host);
  }
  for (const auto& lane : lanes_) lane_host_.push_back(host_index.at(lane.host));

  // Per-event lanes and links. An event with an empty src/dst stays on lane 0.
  src_lanes_.reserve(events.size());
  dst_lanes_.reserve(events.size());
  event_links_.reserve(events.size());
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> link_index;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    const std::size_t src = e.src.empty() ? 0 : lane_of(e.src);
    const std::size_t dst = e.dst.empty() ? src : lane_of(e.dst);
    src_lanes_.push_back(static_cast<std::uint32_t>(src));
    dst_lanes_.push_back(static_cast<std::uint32_t>(dst));
    std::size_t link = npos;
    if (!lanes_.empty()) {
      std::size_t a = lane_host_[src];
      std::size_t b = lane_host_[dst];
      if (a != b) {
        if (a > b) std::swap(a, b);
        auto [it, inserted] = link_index.try_emplace({a, b}, links_.size());
        if (inserted) links_.push_back(Link{a, b, i});
        link = it->second;
      }
    }
    event_links_.push_back(link);
  }
}

std::size_t LaneLayout::add_lane(const std::string& name) {
  auto [it, inserted] = index_.try_emplace(name, lanes_.size());
  if (inserted) lanes_.push_back(Lane{name, host_part(name), agent_part(name), {}, {}});
  return it->second;
}

std::string LaneLayout::canonical(const std::string& name) const {
  const auto it = aliases_.find(name);
  return it == aliases_.end() ? name : it->second;
}

std::size_t LaneLayout::lane_of(const std::string& name) const {
  const auto it = index_.find(canonical(name));
  return it == index_.end() ? npos : it->second;
}

float LaneLayout::lane_x(std::size_t lane, float width) const {
  if (lanes_.empty()) return width * 0.5f;
  const float slot = width / static_cast<float>(lanes_.size());
  return slot * (static_cast<float>(lane) + 0.5f);
}

}  // namespace smtplab::visualizer
